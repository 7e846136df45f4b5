# Script mode (cmake -P): the "custom runtime" test registered in
# tests/custom_runtime/CMakeLists.txt.
#
#   1. cmake --install <INTEROP_BINARY_DIR> --prefix <WORK_DIR>/prefix
#   2. configure SOURCE_DIR (examples/custom_runtime) against that prefix only
#   3. build it (its runtime, its program, and its conformance binary)
#   4. run its program, then the installed interop-conformance runner over its
#      conformance binary: it must report no failure.
#
# The example is built without a build type (no optimisation, no debug info); the suite
# comes compiled with the package, so it compiles its own few files only.
#
# Inputs: INTEROP_BINARY_DIR SOURCE_DIR WORK_DIR CONFIG GENERATOR MAKE_PROGRAM
#         CXX_COMPILER CXX_FLAGS WARNINGS_AS_ERRORS

cmake_minimum_required(VERSION 3.25)

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${prefix}")
file(MAKE_DIRECTORY "${WORK_DIR}")
include("${CMAKE_CURRENT_LIST_DIR}/InteropFoundInPrefix.cmake")

function(step title)
    message(STATUS "custom runtime: ${title}")
    list(JOIN ARGN " " shown)
    message(STATUS "  ${shown}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "custom runtime: '${title}' failed (${result})")
    endif()
endfunction()

set(config_args "")
if(CONFIG)
    set(config_args --config "${CONFIG}")
endif()

step("install interop into ${prefix}"
    "${CMAKE_COMMAND}" --install "${INTEROP_BINARY_DIR}" --prefix "${prefix}" ${config_args})

set(configure_args
    -S "${SOURCE_DIR}"
    -B "${build}"
    -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
    "-DTINY_WARNINGS_AS_ERRORS=${WARNINGS_AS_ERRORS}")
if(MAKE_PROGRAM)
    list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
step("configure examples/custom_runtime against the prefix" "${CMAKE_COMMAND}" ${configure_args})

interop_require_found_in_prefix("${build}" "${prefix}" "custom runtime")

step("build it" "${CMAKE_COMMAND}" --build "${build}" --parallel 2)

function(find_program_in out name)
    foreach(candidate IN ITEMS "${name}" "Debug/${name}")
        if(EXISTS "${build}/${candidate}" AND NOT IS_DIRECTORY "${build}/${candidate}")
            set(${out} "${build}/${candidate}" PARENT_SCOPE)
            return()
        endif()
    endforeach()
    message(FATAL_ERROR "custom runtime: ${name} was not built in ${build}")
endfunction()
find_program_in(hello tiny_hello)
find_program_in(suite interop-conformance-tiny)

step("run its program" "${hello}")
step("certify it: the installed runner over the whole suite"
    "${prefix}/bin/interop-conformance" --backend-binary "${suite}" --jobs 2 --timeout 60)
message(STATUS "custom runtime: certified")
