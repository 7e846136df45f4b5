# interop_add_conformance: certify a runtime adapter with interop's conformance suite.
#
#   interop_add_conformance(NAME <backend> TARGET <adapter target> FACTORY <source>
#       [LABELS <label>...]         more ctest labels for this backend's tests
#       [TIMEOUT <seconds>]         per behaviour (default INTEROP_CONFORMANCE_TIMEOUT, 120)
#       [OUTPUT_DIRECTORY <dir>]    where the executable goes (default: the usual place)
#       [NO_TESTS]                  build only; register no ctest test
#       [MATRIX_TEST])              also register "<backend>: conformance matrix"
#
# builds the executable interop-conformance-<backend> from the suite (its test cases and
# harness) and FACTORY, the source that defines interop::conformance::make_backend() for
# the adapter (a relative path is taken from the calling directory). It links doctest,
# interop::interop and TARGET. Each test case becomes one ctest test named
# "<backend>: <test case>" with the labels "conformance" and "<backend>", run in its own
# process with a time limit; a behaviour that needs a capability the backend does not
# declare shows as skipped ("n/a (capability)"), never as passed.
#
# MATRIX_TEST adds one more ctest test that runs the interop-conformance runner over the
# executable, prints the matrix of behaviours and fails when any behaviour fails.
#
# The same function serves interop's own tree and any project that found an installed
# interop with find_package(interop CONFIG): there the suite comes compiled with the
# package (interop::conformance_suite), and only FACTORY is compiled. doctest (Debian:
# doctest-dev) is needed by this function only, and found here.
#
# In interop's own tree the suite's objects are compiled once and shared by every backend.

include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/InteropDoctest.cmake")

# Where the suite lives: set by conformance/CMakeLists.txt in interop's tree, and by
# interopConfig.cmake from an installed package.
if(NOT INTEROP_CONFORMANCE_DIR)
    message(FATAL_ERROR "InteropConformance.cmake: INTEROP_CONFORMANCE_DIR is not set")
endif()
set_property(GLOBAL PROPERTY INTEROP_CONFORMANCE_DIR "${INTEROP_CONFORMANCE_DIR}")

set(INTEROP_CONFORMANCE_TIMEOUT 120 CACHE STRING
    "Time limit in seconds for each conformance behaviour (test case)")
mark_as_advanced(INTEROP_CONFORMANCE_TIMEOUT)

# The test cases and harness, compiled once into a static library: they do not depend
# on the backend. An installed package carries it compiled (interopConformanceSuite.cmake,
# found by interopConfig.cmake); in interop's own tree it is compiled here, from
# INTEROP_CONFORMANCE_DIR. A conformance binary links all of it (WHOLE_ARCHIVE): the test
# cases register themselves from static initialisers that nothing else refers to.
function(_interop_conformance_suite out)
    if(INTEROP_CONFORMANCE_SUITE_EXPORT AND NOT TARGET interop::conformance_suite)
        include("${INTEROP_CONFORMANCE_SUITE_EXPORT}")
    endif()
    if(TARGET interop::conformance_suite)
        set(${out} interop::conformance_suite PARENT_SCOPE)
        return()
    endif()
    set(target interop_conformance_suite)
    if(NOT TARGET ${target})
        get_property(suite_dir GLOBAL PROPERTY INTEROP_CONFORMANCE_DIR)
        file(GLOB test_sources CONFIGURE_DEPENDS "${suite_dir}/tests/*.cpp")
        file(GLOB harness_sources CONFIGURE_DEPENDS "${suite_dir}/src/*.cpp")
        file(GLOB harness_headers CONFIGURE_DEPENDS
            "${suite_dir}/src/*.hpp" "${suite_dir}/include/interop/conformance/*.hpp")
        add_library(${target} STATIC ${test_sources} ${harness_sources} ${harness_headers})
        set_target_properties(${target} PROPERTIES EXPORT_NAME conformance_suite)
        # The installed include directory is added where the suite is installed
        # (conformance/install.cmake).
        target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${suite_dir}/include>")
        target_link_libraries(${target} PUBLIC doctest::doctest interop::interop)
        # The TLS behaviours (tests/tls.cpp), when interop::tls was built.
        if(TARGET interop::tls)
            target_link_libraries(${target} PUBLIC interop::tls)
            target_compile_definitions(${target} PRIVATE INTEROP_CONFORMANCE_TLS=1)
        endif()
        if(COMMAND interop_target_warnings AND TARGET interop_warnings)
            interop_target_warnings(${target})
        endif()
        # Parsing interop's and doctest's headers is about a third of each test file's
        # compile: done once. The harness defines doctest's configuration macros before
        # it includes doctest, so it is compiled without. CMAKE_DISABLE_PRECOMPILE_HEADERS
        # turns this off (clang-tidy reads the plain compile commands).
        target_precompile_headers(${target} PRIVATE
            <interop/conformance/suite.hpp> <atomic> <optional> <string> <string_view>
            <thread> <vector>)
        set_source_files_properties(${harness_sources} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
    set(${out} ${target} PARENT_SCOPE)
endfunction()

function(interop_add_conformance)
    cmake_parse_arguments(PARSE_ARGV 0 arg "NO_TESTS;MATRIX_TEST"
        "NAME;TARGET;FACTORY;TIMEOUT;OUTPUT_DIRECTORY" "LABELS")
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR
            "interop_add_conformance: unexpected arguments: ${arg_UNPARSED_ARGUMENTS}")
    endif()
    foreach(required IN ITEMS NAME TARGET FACTORY)
        if(NOT arg_${required})
            message(FATAL_ERROR "interop_add_conformance: ${required} is required")
        endif()
    endforeach()
    if(NOT arg_NAME MATCHES "^[A-Za-z0-9_.+-]+$")
        message(FATAL_ERROR "interop_add_conformance: NAME '${arg_NAME}' may hold only "
                            "letters, digits and _ . + -")
    endif()
    if(NOT TARGET ${arg_TARGET})
        message(FATAL_ERROR
            "interop_add_conformance(NAME ${arg_NAME}): ${arg_TARGET} is not a target")
    endif()
    if(NOT arg_TIMEOUT)
        set(arg_TIMEOUT ${INTEROP_CONFORMANCE_TIMEOUT})
    endif()

    # Imported targets are visible only in the directory that found them.
    if(NOT TARGET doctest::doctest)
        find_package(doctest CONFIG REQUIRED)
    endif()
    _interop_conformance_suite(suite)

    cmake_path(ABSOLUTE_PATH arg_FACTORY BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
        OUTPUT_VARIABLE factory)
    set(exe interop-conformance-${arg_NAME})
    add_executable(${exe} "${factory}")
    target_link_libraries(${exe} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${suite}>"
        doctest::doctest interop::interop ${arg_TARGET})
    if(arg_OUTPUT_DIRECTORY)
        set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${arg_OUTPUT_DIRECTORY}")
    endif()
    if(COMMAND interop_target_warnings AND TARGET interop_warnings)
        interop_target_warnings(${exe})
    endif()

    if(arg_NO_TESTS)
        return()
    endif()
    interop_discover_doctest_tests(${exe}
        PREFIX "${arg_NAME}: "
        LABELS conformance ${arg_NAME} ${arg_LABELS}
        TIMEOUT ${arg_TIMEOUT}
        EXACT_OPTION "--interop-run="
        # The harness exits with 77 for a behaviour the backend does not declare the
        # capability for, and prints "n/a (capability): ..."; ctest shows it as skipped.
        SKIP_RETURN_CODE 77
        SKIP_REGEX "n/a \\(capability\\)")

    if(arg_MATRIX_TEST)
        if(NOT TARGET interop::conformance_runner)
            message(FATAL_ERROR "interop_add_conformance(NAME ${arg_NAME} MATRIX_TEST): "
                "the interop-conformance runner (interop::conformance_runner) is not available")
        endif()
        add_test(NAME "${arg_NAME}: conformance matrix"
            COMMAND interop::conformance_runner
                --backend-binary "$<TARGET_FILE:${exe}>"
                --timeout ${arg_TIMEOUT})
        set_tests_properties("${arg_NAME}: conformance matrix" PROPERTIES
            LABELS "conformance;${arg_NAME};matrix;${arg_LABELS}")
    endif()
endfunction()
