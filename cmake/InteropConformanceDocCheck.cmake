# Script mode (cmake -P): keeps docs/conformance.md and the conformance suite from
# drifting apart. Fails when
#   - a test case the page names is not in the suite (renamed, removed, misspelt),
#   - a catalogue item 1..CATALOGUE_SIZE is missing, repeated, or names no test case,
#   - a mutant the page names has no source in MUTANTS_DIR, or the test the page says
#     catches it is not one of the CAUGHT_BY behaviours its check in
#     MUTANTS_DIR/CMakeLists.txt requires to fail, or a mutant there is not on the page,
#   - a test case of the suite is not on the page at all (every test case is either
#     pinned to a catalogue item or listed under "Beyond the catalogue").
#
# Inputs (-D): DOC, BINARY (a conformance binary: --interop-list gives the suite's test
# cases), MUTANTS_DIR, CATALOGUE_SIZE, and ABSENT_PREFIXES: the prefixes ("tls: ") of
# the behaviours of optional parts this build left out, which the page may name.
#
# The page's format, from its "## The catalogue" heading to the end:
#   **<n>. <behaviour>**                       a catalogue item
#   - `<test case name>`                       a test case that pins the item above
#   - mutant `<name>`, caught by `<test case>` (item 57: the suite's self-test)
# Under "## Beyond the catalogue", bullets name test cases outside the catalogue.

cmake_minimum_required(VERSION 3.25)

execute_process(COMMAND "${BINARY}" --interop-list
    OUTPUT_VARIABLE listing ERROR_VARIABLE list_errors RESULT_VARIABLE list_status)
if(NOT list_status EQUAL 0)
    message(FATAL_ERROR "${BINARY} --interop-list failed (${list_status}): ${list_errors}")
endif()
# Test names hold ';' (a CMake list separator), and '[' ']' change how CMake splits a
# list: they are replaced by placeholders, the same in the listing and in the page,
# before either is split into lines.
set(semicolon "<semicolon>")
macro(_protect var)
    string(REPLACE ";" "${semicolon}" ${var} "${${var}}")
    string(REPLACE "[" "<lbracket>" ${var} "${${var}}")
    string(REPLACE "]" "<rbracket>" ${var} "${${var}}")
endmacro()
macro(_restore var)
    string(REPLACE "${semicolon}" ";" ${var} "${${var}}")
    string(REPLACE "<lbracket>" "[" ${var} "${${var}}")
    string(REPLACE "<rbracket>" "]" ${var} "${${var}}")
endmacro()
_protect(listing)
string(REGEX REPLACE "\n$" "" listing "${listing}")
string(REPLACE "\n" ";" suite_tests "${listing}")
list(LENGTH suite_tests suite_count)

# The mutants' declarations, with the same protection as the page (test names).
file(READ "${MUTANTS_DIR}/CMakeLists.txt" mutant_declarations)
_protect(mutant_declarations)
set(mutants_on_page "")

file(READ "${DOC}" page)
_protect(page)
string(REPLACE "\n" ";" lines "${page}")
set(problems "")
set(active FALSE)
set(item "")
set(items_seen "")
set(named "")

function(_problem text)
    set(problems "${problems}\n  - ${text}" PARENT_SCOPE)
endfunction()

foreach(line IN LISTS lines)
    if(line MATCHES "^## The catalogue")
        set(active TRUE)
        continue()
    endif()
    if(NOT active)
        continue()
    endif()
    if(line MATCHES "^## Beyond the catalogue")
        set(item "beyond")
        continue()
    endif()
    if(line MATCHES "^\\*\\*([0-9]+)\\. ")
        set(item "${CMAKE_MATCH_1}")
        if(item IN_LIST items_seen)
            _problem("catalogue item ${item} appears twice")
        endif()
        list(APPEND items_seen "${item}")
        set(tests_of_${item} 0)
        continue()
    endif()
    set(test "")
    if(line MATCHES "^- mutant `([A-Za-z0-9_]+)`, caught by `([^`]+)`")
        set(mutant "${CMAKE_MATCH_1}")
        set(test "${CMAKE_MATCH_2}")
        list(APPEND mutants_on_page "${mutant}")
        if(NOT EXISTS "${MUTANTS_DIR}/${mutant}.cpp")
            _problem("mutant '${mutant}' has no source ${MUTANTS_DIR}/${mutant}.cpp")
        endif()
        # The mutant's declaration: from its interop_add_mutant( to the next one.
        string(FIND "${mutant_declarations}" "interop_add_mutant(${mutant}\n" at)
        if(at EQUAL -1)
            _problem("mutant '${mutant}' is not declared in ${MUTANTS_DIR}/CMakeLists.txt")
        else()
            string(SUBSTRING "${mutant_declarations}" ${at} -1 declaration)
            string(LENGTH "interop_add_mutant(" skip)
            string(SUBSTRING "${declaration}" ${skip} -1 rest)
            string(FIND "${rest}" "interop_add_mutant(" next)
            if(NOT next EQUAL -1)
                string(SUBSTRING "${rest}" 0 ${next} rest)
            endif()
            string(FIND "${rest}" "\"${test}\"" named_there)
            if(named_there EQUAL -1)
                _problem("the page says mutant '${mutant}' is caught by '${test}', which its check in ${MUTANTS_DIR}/CMakeLists.txt does not require")
            endif()
        endif()
    elseif(line MATCHES "^- `([^`]+)`")
        set(test "${CMAKE_MATCH_1}")
    endif()
    if(test STREQUAL "")
        continue()
    endif()
    if(item STREQUAL "")
        _problem("'${test}' is listed before any catalogue item")
    elseif(NOT test IN_LIST suite_tests)
        # A behaviour of an optional part that this build left out (ABSENT_PREFIXES).
        set(absent FALSE)
        foreach(prefix IN LISTS ABSENT_PREFIXES)
            string(FIND "${test}" "${prefix}" at)
            if(at EQUAL 0)
                set(absent TRUE)
            endif()
        endforeach()
        if(NOT absent)
            _problem("item ${item} names '${test}', which is not a test case of the suite")
        endif()
    elseif(NOT item STREQUAL "beyond")
        math(EXPR tests_of_${item} "${tests_of_${item}} + 1")
    endif()
    list(APPEND named "${test}")
endforeach()

foreach(n RANGE 1 ${CATALOGUE_SIZE})
    if(NOT n IN_LIST items_seen)
        _problem("catalogue item ${n} is missing")
    elseif(tests_of_${n} EQUAL 0)
        _problem("catalogue item ${n} names no test case")
    endif()
endforeach()
foreach(n IN LISTS items_seen)
    if(n GREATER CATALOGUE_SIZE)
        _problem("catalogue item ${n} is beyond the catalogue's ${CATALOGUE_SIZE} items")
    endif()
endforeach()

set(unmentioned "")
foreach(test IN LISTS suite_tests)
    if(NOT test IN_LIST named)
        set(shown "${test}")
        _restore(shown)
        string(APPEND unmentioned "\n  ${shown}")
    endif()
endforeach()
if(NOT unmentioned STREQUAL "")
    _problem("test cases the page does not mention (pin them to an item, or list them under \"Beyond the catalogue\"):${unmentioned}")
endif()

string(REGEX MATCHALL "interop_add_mutant\\(([a-z0-9_]+)\n" declared "${mutant_declarations}")
foreach(match IN LISTS declared)
    string(REGEX REPLACE "interop_add_mutant\\(([a-z0-9_]+)\n" "\\1" name "${match}")
    if(NOT name IN_LIST mutants_on_page)
        _problem("mutant '${name}' of ${MUTANTS_DIR}/CMakeLists.txt is not on the page")
    endif()
endforeach()

_restore(problems)
if(NOT problems STREQUAL "")
    message(FATAL_ERROR "${DOC} and the suite disagree:${problems}")
endif()
list(REMOVE_DUPLICATES named)
list(LENGTH named named_count)
message(STATUS "${DOC}: catalogue items 1..${CATALOGUE_SIZE} each pinned; "
               "${named_count} of the suite's ${suite_count} test cases named, all of them exist")
