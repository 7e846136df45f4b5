# interop_add_library: the static libraries of the package (the core and each adapter)
# are made the same way, here.
#
#   interop_add_library(<target> EXPORT_NAME <name> [OUTPUT_NAME <file name>]
#                       [EXCLUDE <regex>...] [LINK <library>...])
#
# <target> is built from src/*.cpp of the calling directory (less the sources that
# match an EXCLUDE regex) and lists include/**/*.hpp, which is its public include
# directory (so IDEs show the headers, and a header-only library is never empty). It
# is exported as interop::<name>, aliased so in the build tree too, built with the
# project's warnings, linked PUBLIC to LINK, and installed with its headers when
# INTEROP_INSTALL is on.
function(interop_add_library target)
    cmake_parse_arguments(PARSE_ARGV 1 ARG "" "EXPORT_NAME;OUTPUT_NAME" "EXCLUDE;LINK")
    file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp")
    foreach(regex IN LISTS ARG_EXCLUDE)
        list(FILTER sources EXCLUDE REGEX "${regex}")
    endforeach()
    file(GLOB_RECURSE headers CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/include/*.hpp")

    add_library(${target} STATIC ${sources} ${headers})
    add_library(interop::${ARG_EXPORT_NAME} ALIAS ${target})
    if(NOT ARG_OUTPUT_NAME)
        set(ARG_OUTPUT_NAME ${target})
    endif()
    set_target_properties(${target} PROPERTIES
        EXPORT_NAME ${ARG_EXPORT_NAME}
        OUTPUT_NAME ${ARG_OUTPUT_NAME}
        LINKER_LANGUAGE CXX)
    target_include_directories(${target} PUBLIC
        "$<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>"
        "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
    target_link_libraries(${target} PUBLIC ${ARG_LINK})
    interop_target_warnings(${target})

    if(INTEROP_INSTALL)
        install(TARGETS ${target}
            EXPORT interopTargets
            ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT interop_development)
        install(DIRECTORY include/
            DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
            COMPONENT interop_development
            FILES_MATCHING PATTERN "*.hpp")
    endif()
endfunction()
