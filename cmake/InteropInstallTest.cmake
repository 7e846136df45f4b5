# Script mode (cmake -P): the "install" test registered in tests/CMakeLists.txt.
#
#   1. cmake --install <INTEROP_BINARY_DIR> --prefix <WORK_DIR>/prefix
#   2. configure tests/install against that prefix only (same compiler, flags, generator)
#   3. build it, check it found the package in the prefix, and run it.
#
# Inputs: INTEROP_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR CONFIG GENERATOR MAKE_PROGRAM
#         CXX_COMPILER CXX_FLAGS EXPECTED_RUNTIME

cmake_minimum_required(VERSION 3.25)

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/consumer-build")
file(REMOVE_RECURSE "${prefix}" "${build}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(step title)
    message(STATUS "install test: ${title}")
    list(JOIN ARGN " " shown)
    message(STATUS "  ${shown}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
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

set(configure_args
    -S "${CONSUMER_SOURCE_DIR}"
    -B "${build}"
    -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    # Only the prefix may provide interop: no package registries.
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
    "-DINTEROP_CONSUMER_EXPECTED_RUNTIME=${EXPECTED_RUNTIME}"
    "-DINTEROP_CONSUMER_README=${README}")
if(MAKE_PROGRAM)
    list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CONFIG)
    list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${CONFIG}")
endif()
step("configure the consumer" "${CMAKE_COMMAND}" ${configure_args})

# The consumer must have used the package just installed, not one found elsewhere.
file(STRINGS "${build}/CMakeCache.txt" found_dir REGEX "^interop_DIR:")
string(REGEX REPLACE "^interop_DIR:[A-Z]+=" "" found_dir "${found_dir}")
file(REAL_PATH "${found_dir}" found_real)
file(REAL_PATH "${prefix}" prefix_real)
cmake_path(IS_PREFIX prefix_real "${found_real}" NORMALIZE found_in_prefix)
if(NOT found_in_prefix)
    message(FATAL_ERROR
        "install test: the consumer found interop in '${found_dir}', not under ${prefix}")
endif()

step("build the consumer" "${CMAKE_COMMAND}" --build "${build}" ${config_args})

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
step("run the consumer" "${program}")
message(STATUS "install test: passed")
