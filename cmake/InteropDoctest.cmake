# interop_discover_doctest_tests: one ctest test per doctest test case.
#
#   interop_discover_doctest_tests(<target>
#       [PREFIX <text>]            prepended to every test name, e.g. "inline: "
#       [LABELS <label>...]        ctest labels for every test
#       [TIMEOUT <seconds>]        per test case; a hang fails instead of stalling ctest
#       [WORKING_DIRECTORY <dir>]  defaults to the current binary directory
#       [SKIP_REGEX <regex>]       output that marks a test as skipped (not applicable)
#       [SKIP_RETURN_CODE <code>]  exit status that marks a test as skipped
#       [EXACT_OPTION <option>]    select each test case with "<option><name>" (an
#                                  option of the executable that takes the exact name)
#                                  instead of doctest's wildcard --test-case filter
#       [EXTRA_ARGS <arg>...])     passed to every run of the executable
#
# After each build of <target>, the executable lists its test cases
# (--list-test-cases) and a ctest script registering them is written next to it; ctest
# reads that script when it starts. So adding a test case needs no re-configure.
#
# doctest's own doctest_discover_tests (Debian doctest-dev 2.4.9) hands its settings to
# the listing step on the cmake command line, which trims a prefix's trailing space
# ("inline: " becomes "inline:") and splits a list of labels; here the settings travel
# in a file written at configure time instead.
#
# Every test fails if doctest reports that it ran no test case, so a test whose name
# doctest's filter cannot match again is never counted as passed.

include_guard(GLOBAL)

# Wraps `value` in a CMake bracket argument that no text inside it can close.
function(_interop_bracket out value)
    set(eq "=")
    while(value MATCHES "\\]${eq}(\\]|$)")
        string(APPEND eq "=")
    endwhile()
    set(${out} "[${eq}[${value}]${eq}]" PARENT_SCOPE)
endfunction()

function(interop_discover_doctest_tests target)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "PREFIX;TIMEOUT;WORKING_DIRECTORY;SKIP_REGEX;SKIP_RETURN_CODE;EXACT_OPTION"
        "LABELS;EXTRA_ARGS")
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR
            "interop_discover_doctest_tests: unexpected arguments: ${arg_UNPARSED_ARGUMENTS}")
    endif()
    if(NOT arg_WORKING_DIRECTORY)
        set(arg_WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
    endif()

    set(dir "${CMAKE_CURRENT_BINARY_DIR}/${target}.ctest")
    set(settings_file "${dir}/settings.cmake")
    set(tests_file "${dir}/tests.cmake")
    set(include_file "${dir}/include.cmake")

    get_property(emulator TARGET ${target} PROPERTY CROSSCOMPILING_EMULATOR)
    set(settings "# Written by interop_discover_doctest_tests(${target}) at configure time.\n")
    foreach(pair IN ITEMS
            "prefix;arg_PREFIX" "labels;arg_LABELS" "timeout;arg_TIMEOUT"
            "working_directory;arg_WORKING_DIRECTORY" "extra_args;arg_EXTRA_ARGS"
            "skip_regex;arg_SKIP_REGEX" "skip_return_code;arg_SKIP_RETURN_CODE"
            "exact_option;arg_EXACT_OPTION" "emulator;emulator")
        list(GET pair 0 name)
        list(GET pair 1 var)
        _interop_bracket(quoted "${${var}}")
        string(APPEND settings "set(${name} ${quoted})\n")
    endforeach()
    file(WRITE "${settings_file}" "${settings}")

    add_custom_command(TARGET ${target} POST_BUILD
        BYPRODUCTS "${tests_file}"
        COMMAND "${CMAKE_COMMAND}"
            "-DEXECUTABLE=$<TARGET_FILE:${target}>"
            "-DSETTINGS=${settings_file}"
            "-DOUTPUT=${tests_file}"
            -P "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/InteropDoctestList.cmake"
        COMMENT "Listing the test cases of ${target}"
        VERBATIM)

    _interop_bracket(not_built_name "${arg_PREFIX}${target} is not built")
    file(WRITE "${include_file}"
        "if(EXISTS \"${tests_file}\")\n"
        "  include(\"${tests_file}\")\n"
        "else()\n"
        "  add_test(${not_built_name} \"${CMAKE_COMMAND}\" -E false)\n"
        "endif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
