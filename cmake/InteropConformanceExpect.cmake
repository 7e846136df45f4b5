# Script mode (cmake -P): runs the interop-conformance runner with --format json and
# checks what it reports. Used by the runner's own test (conformance/checks.cmake) and
# by each mutant's test (tests/mutants): a deliberately broken adapter must make the
# suite fail, in the behaviours expected to catch it.
#
# Inputs (-D):
#   RUNNER     the interop-conformance executable
#   SETTINGS   a file that sets:
#                RUNNER_ARGS     arguments for the runner (besides --format json)
#                EXPECT_EXIT     the runner's expected exit status (0 pass, 1 failures)
#                EXPECT_FAIL     behaviours that must be FAIL (a list; may be empty)
#                EXPECT_MESSAGE  text that some failure message must contain (optional)
#   BINARY     (optional) a conformance binary, passed as --backend-binary
#
# Every check also verifies that the JSON parses (with CMake's parser, and with
# python3 -m json.tool when python3 is installed), that there is one result per
# behaviour and backend, that every behaviour actually ran (a hang or a crash in one
# does not stop the others), and that the totals agree with the results.

cmake_minimum_required(VERSION 3.25)

set(EXPECT_FAIL "")
set(EXPECT_MESSAGE "")
include("${SETTINGS}")
set(args ${RUNNER_ARGS})
if(BINARY)
    list(APPEND args --backend-binary "${BINARY}")
endif()

list(JOIN args " " shown)
message(STATUS "running: ${RUNNER} ${shown} --format json")
execute_process(
    COMMAND "${RUNNER}" ${args} --format json
    OUTPUT_VARIABLE json
    ERROR_VARIABLE progress
    RESULT_VARIABLE exit_status)
message(STATUS "exit status ${exit_status}; progress:\n${progress}")

function(fail why)
    message(FATAL_ERROR "${why}")
endfunction()

# ---- The JSON parses --------------------------------------------------------------------
string(JSON format ERROR_VARIABLE parse_error GET "${json}" format)
if(parse_error)
    fail("the runner's output is not the JSON expected (${parse_error}):\n${json}")
endif()
if(NOT format STREQUAL "interop-conformance-matrix/1")
    fail("unexpected \"format\": '${format}'")
endif()
find_program(PYTHON3 python3)
if(PYTHON3)
    string(RANDOM LENGTH 8 tag)
    set(copy "${CMAKE_CURRENT_BINARY_DIR}/interop-conformance-${tag}.json")
    file(WRITE "${copy}" "${json}")
    execute_process(COMMAND "${PYTHON3}" -m json.tool "${copy}"
        OUTPUT_QUIET ERROR_VARIABLE python_error RESULT_VARIABLE python_status)
    file(REMOVE "${copy}")
    if(NOT python_status EQUAL 0)
        fail("python3 -m json.tool rejects the runner's JSON: ${python_error}")
    endif()
endif()

# ---- One result per cell, every one of them run, totals that add up -------------------
string(JSON behaviour_count LENGTH "${json}" behaviours)
string(JSON backend_count LENGTH "${json}" backends)
string(JSON result_count LENGTH "${json}" results)
math(EXPR cells "${behaviour_count} * ${backend_count}")
if(behaviour_count EQUAL 0 OR NOT result_count EQUAL cells)
    fail("${result_count} results for ${behaviour_count} behaviours x ${backend_count} backends")
endif()

set(passed 0)
set(failed 0)
set(not_applicable 0)
set(failing "")
math(EXPR last "${result_count} - 1")
foreach(i RANGE ${last})
    string(JSON status GET "${json}" results ${i} status)
    string(JSON behaviour GET "${json}" results ${i} behaviour)
    if(status STREQUAL "pass")
        math(EXPR passed "${passed} + 1")
    elseif(status STREQUAL "fail")
        math(EXPR failed "${failed} + 1")
        list(APPEND failing "${i}")
    elseif(status STREQUAL "n/a")
        math(EXPR not_applicable "${not_applicable} + 1")
    else()
        fail("'${behaviour}' did not run (status '${status}')")
    endif()
endforeach()
foreach(total IN ITEMS passed failed not_applicable)
    string(JSON reported GET "${json}" ${total})
    if(NOT reported EQUAL ${total})
        fail("\"${total}\" says ${reported}, the results add up to ${${total}}")
    endif()
endforeach()
string(JSON ok GET "${json}" ok)  # a JSON boolean reads as ON or OFF
if((failed EQUAL 0) AND NOT ok)
    fail("\"ok\" is false with nothing failed")
elseif((failed GREATER 0) AND ok)
    fail("\"ok\" is true with ${failed} failed")
endif()
message(STATUS "${passed} passed, ${failed} failed, ${not_applicable} n/a")

if(NOT exit_status EQUAL EXPECT_EXIT)
    fail("the runner exited with ${exit_status}, expected ${EXPECT_EXIT}")
endif()

# ---- The behaviours expected to fail did, and say why -----------------------------------
foreach(expected IN LISTS EXPECT_FAIL)
    set(found FALSE)
    foreach(i RANGE ${last})
        string(JSON behaviour GET "${json}" results ${i} behaviour)
        if(NOT behaviour STREQUAL expected)
            continue()
        endif()
        set(found TRUE)
        string(JSON status GET "${json}" results ${i} status)
        if(NOT status STREQUAL "fail")
            fail("expected '${expected}' to FAIL, it reports '${status}'")
        endif()
        string(JSON first_message GET "${json}" results ${i} messages 0)
        message(STATUS "caught by '${expected}':\n    ${first_message}")
    endforeach()
    if(NOT found)
        fail("the run has no behaviour named '${expected}'")
    endif()
endforeach()

if(NOT EXPECT_MESSAGE STREQUAL "")
    set(seen FALSE)
    foreach(i IN LISTS failing)
        string(JSON message_count LENGTH "${json}" results ${i} messages)
        if(message_count EQUAL 0)
            continue()
        endif()
        math(EXPR last_message "${message_count} - 1")
        foreach(m RANGE ${last_message})
            string(JSON text GET "${json}" results ${i} messages ${m})
            string(FIND "${text}" "${EXPECT_MESSAGE}" at)
            if(NOT at EQUAL -1)
                set(seen TRUE)
            endif()
        endforeach()
    endforeach()
    if(NOT seen)
        fail("no failure message contains '${EXPECT_MESSAGE}'")
    endif()
    message(STATUS "a failure message says '${EXPECT_MESSAGE}'")
endif()
message(STATUS "as expected")
