# Script mode (cmake -P): the "install" test registered in tests/CMakeLists.txt.
#
#   1. cmake --install <INTEROP_BINARY_DIR> --prefix <WORK_DIR>/prefix
#   2. configure tests/install against that prefix only (same compiler, flags, generator)
#      with no INTEROP_RUNTIME, build it, check it found the package in the prefix, run
#      it, and check that it ran on the package's runtime (DEFAULT_RUNTIME)
#   3. the same build tree again with -DINTEROP_RUNTIME=<adapter> for every other
#      installed adapter (RUNTIMES): reconfigure, build (a relink), run, and check that
#      it ran on that adapter
#   4. configure a fresh tree with an INTEROP_RUNTIME the package does not have: it
#      must fail, naming the installed adapters.
#
# Inputs: INTEROP_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR CONFIG GENERATOR MAKE_PROGRAM
#         CXX_COMPILER CXX_FLAGS README DEFAULT_RUNTIME
#         RUNTIMES, KNOWN_RUNTIMES (comma-separated: a ';' would not survive add_test)

cmake_minimum_required(VERSION 3.25)

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/consumer-build")
set(bad_build "${WORK_DIR}/consumer-unknown-runtime")
file(REMOVE_RECURSE "${prefix}" "${build}" "${bad_build}")
file(MAKE_DIRECTORY "${WORK_DIR}")
include("${CMAKE_CURRENT_LIST_DIR}/InteropFoundInPrefix.cmake")
string(REPLACE "," ";" runtimes "${RUNTIMES}")
string(REPLACE "," ";" known_runtimes "${KNOWN_RUNTIMES}")

# Runs a command, which must succeed; OUTPUT (optional) receives what it printed.
function(step title)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUTPUT" "")
    message(STATUS "install test: ${title}")
    list(JOIN arg_UNPARSED_ARGUMENTS " " shown)
    message(STATUS "  ${shown}")
    if(arg_OUTPUT)
        execute_process(COMMAND ${arg_UNPARSED_ARGUMENTS} RESULT_VARIABLE result
            OUTPUT_VARIABLE output ERROR_VARIABLE output)
        string(STRIP "${output}" shown_output)
        message("${shown_output}")
        set(${arg_OUTPUT} "${output}" PARENT_SCOPE)
    else()
        execute_process(COMMAND ${arg_UNPARSED_ARGUMENTS} RESULT_VARIABLE result)
    endif()
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "install test: '${title}' failed (${result})")
    endif()
endfunction()

set(config_args "")
if(CONFIG)
    set(config_args --config "${CONFIG}")
endif()

step("install the build into ${prefix}"
    "${CMAKE_COMMAND}" --install "${INTEROP_BINARY_DIR}" --prefix "${prefix}" ${config_args})

set(common_args
    -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    # Only the prefix may provide interop: no package registries.
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(MAKE_PROGRAM)
    list(APPEND common_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CONFIG)
    list(APPEND common_args "-DCMAKE_BUILD_TYPE=${CONFIG}")
endif()

# The package's own runtime first, on a fresh cache, so that it is the default that
# gets checked; every other adapter then reuses the tree (one compile, a relink each),
# as a consumer switching runtimes would.
list(REMOVE_ITEM runtimes "${DEFAULT_RUNTIME}")
list(PREPEND runtimes "${DEFAULT_RUNTIME}")
foreach(runtime IN LISTS runtimes)
    set(configure_args -S "${CONSUMER_SOURCE_DIR}" -B "${build}" ${common_args}
        "-DINTEROP_CONSUMER_EXPECTED_RUNTIME=${runtime}")
    if(runtime STREQUAL DEFAULT_RUNTIME)
        # The README's example is built once, with the default.
        list(APPEND configure_args "-DINTEROP_CONSUMER_README=${README}")
        set(how "by default")
    else()
        list(APPEND configure_args "-DINTEROP_RUNTIME=${runtime}")
        set(how "with -DINTEROP_RUNTIME=${runtime}")
    endif()
    step("configure the consumer ${how}" "${CMAKE_COMMAND}" ${configure_args})

    interop_require_found_in_prefix("${build}" "${prefix}" "install test: the consumer")

    step("build the consumer (${runtime})" "${CMAKE_COMMAND}" --build "${build}" ${config_args})

    set(program "")
    foreach(candidate IN ITEMS "${CONFIG}/interop_consumer" "${CONFIG}/interop_consumer.exe"
                               interop_consumer interop_consumer.exe)
        if(NOT program AND EXISTS "${build}/${candidate}" AND NOT IS_DIRECTORY "${build}/${candidate}")
            set(program "${build}/${candidate}")
        endif()
    endforeach()
    if(NOT program)
        message(FATAL_ERROR "install test: the consumer program was not found in ${build}")
    endif()
    step("run the consumer (${runtime})" "${program}" OUTPUT output)
    if(NOT output MATCHES "ran on the '${runtime}' runtime")
        message(FATAL_ERROR "install test: the consumer configured ${how} did not run on "
                            "the ${runtime} runtime (its output is above)")
    endif()
endforeach()

# A runtime the package lacks: a known one that was not built, or else a made-up name.
set(missing "no-such-runtime")
foreach(runtime IN LISTS known_runtimes)
    if(NOT runtime IN_LIST runtimes)
        set(missing "${runtime}")
        break()
    endif()
endforeach()
message(STATUS "install test: configure a consumer with -DINTEROP_RUNTIME=${missing}: must fail")
execute_process(
    COMMAND "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${bad_build}" ${common_args}
        "-DINTEROP_RUNTIME=${missing}"
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
string(REPLACE "," ", " installed "${RUNTIMES}")
if(result EQUAL 0)
    message(FATAL_ERROR "install test: the consumer configured with -DINTEROP_RUNTIME=${missing}")
endif()
string(REGEX REPLACE "[ \t\r\n]+" " " flat "${output}")
string(FIND "${flat}" "INTEROP_RUNTIME is '${missing}'" names_value)
string(FIND "${flat}" "Installed adapters: ${installed}." names_adapters)
if(names_value EQUAL -1 OR names_adapters EQUAL -1)
    message(FATAL_ERROR "install test: configuring with -DINTEROP_RUNTIME=${missing} failed, "
                        "but not with the error that names the installed adapters:\n${output}")
endif()
message(STATUS "install test: passed")
