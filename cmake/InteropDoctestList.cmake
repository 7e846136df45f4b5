# Script mode (cmake -P), run after each build of a doctest executable by
# interop_discover_doctest_tests (InteropDoctest.cmake). Inputs:
#   EXECUTABLE  the test executable
#   SETTINGS    the settings file written at configure time
#   OUTPUT      the ctest script to write

cmake_minimum_required(VERSION 3.25)

include("${SETTINGS}")

function(_interop_bracket out value)
    set(eq "=")
    while(value MATCHES "\\]${eq}(\\]|$)")
        string(APPEND eq "=")
    endwhile()
    set(${out} "[${eq}[${value}]${eq}]" PARENT_SCOPE)
endfunction()

execute_process(
    COMMAND ${emulator} "${EXECUTABLE}" --list-test-cases --no-colors=true
    WORKING_DIRECTORY "${working_directory}"
    OUTPUT_VARIABLE listing
    ERROR_VARIABLE errors
    RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    file(REMOVE "${OUTPUT}")
    message(FATAL_ERROR
        "${EXECUTABLE} --list-test-cases failed (${result}):\n${listing}\n${errors}")
endif()

set(extra "")
foreach(arg IN LISTS extra_args)
    _interop_bracket(quoted "${arg}")
    string(APPEND extra " ${quoted}")
endforeach()
_interop_bracket(exe "${EXECUTABLE}")
_interop_bracket(dir "${working_directory}")
_interop_bracket(labels_q "${labels}")
set(emu "")
foreach(arg IN LISTS emulator)
    _interop_bracket(quoted "${arg}")
    string(APPEND emu " ${quoted}")
endforeach()

set(properties "WORKING_DIRECTORY ${dir}")
if(labels)
    string(APPEND properties " LABELS ${labels_q}")
endif()
if(timeout)
    string(APPEND properties " TIMEOUT ${timeout}")
endif()
# doctest exits 0 when its filter matches nothing; that must not count as a pass.
string(APPEND properties
    " FAIL_REGULAR_EXPRESSION [=[\\[doctest\\] test cases: *0 *\\|]=]")
if(skip_regex)
    _interop_bracket(skip_q "${skip_regex}")
    string(APPEND properties " SKIP_REGULAR_EXPRESSION ${skip_q}")
endif()
if(NOT skip_return_code STREQUAL "")
    string(APPEND properties " SKIP_RETURN_CODE ${skip_return_code}")
endif()

# The listing is a "[doctest] listing all test case names" note, a rule of '=', one name a
# line, and another rule. Anything the program prints around it is ignored. Walk it as a
# string, not a CMake list, so names with ';' or '[' survive.
set(script "# Generated from ${EXECUTABLE} --list-test-cases; do not edit.\n")
set(count 0)
set(state before)  # before -> header -> names -> after
while(NOT listing STREQUAL "")
    string(FIND "${listing}" "\n" eol)
    if(eol EQUAL -1)
        set(line "${listing}")
        set(listing "")
    else()
        string(SUBSTRING "${listing}" 0 ${eol} line)
        math(EXPR next "${eol} + 1")
        string(SUBSTRING "${listing}" ${next} -1 listing)
    endif()
    string(REGEX REPLACE "\r$" "" line "${line}")
    if(state STREQUAL "before")
        if(line MATCHES "^\\[doctest\\] listing all test case names")
            set(state header)
        endif()
        continue()
    elseif(state STREQUAL "header")
        if(line MATCHES "^===+$")
            set(state names)
        endif()
        continue()
    elseif(state STREQUAL "after")
        continue()
    endif()
    if(line MATCHES "^===+$")
        set(state after)
        continue()
    endif()
    if(line STREQUAL "")
        continue()
    endif()

    if(exact_option)
        # The executable selects the test case by its exact name.
        _interop_bracket(filter_arg "${exact_option}${line}")
    else()
        # In --test-case, ',' separates filters; a literal comma is written '\,'.
        string(REPLACE "," "\\," filter "${line}")
        _interop_bracket(filter_arg "--test-case=${filter}")
    endif()
    _interop_bracket(name "${prefix}${line}")
    string(APPEND script
        "add_test(${name}${emu} ${exe} ${filter_arg}${extra})\n"
        "set_tests_properties(${name} PROPERTIES ${properties})\n")
    math(EXPR count "${count} + 1")
endwhile()

if(count EQUAL 0)
    _interop_bracket(name "${prefix}(no test cases)")
    string(APPEND script
        "add_test(${name} \"${CMAKE_COMMAND}\" -E echo \"${EXECUTABLE} lists no test cases\")\n"
        "set_tests_properties(${name} PROPERTIES WILL_FAIL TRUE)\n")
endif()

file(WRITE "${OUTPUT}" "${script}")
