# The suite's own checks (included from conformance/CMakeLists.txt).
#
# - docs/conformance.md and the suite cannot drift apart: every test case the page
#   names exists, and every catalogue item names at least one.
# - The runner's JSON parses, covers every behaviour, and a run of the inline backend
#   passes.
# The deliberately broken adapters that the suite must catch are in tests/mutants.

set(_interop_reference_backend interop-conformance-inline)

add_test(NAME "conformance: docs/conformance.md pins every catalogue item to existing test cases"
    COMMAND "${CMAKE_COMMAND}"
        "-DDOC=${PROJECT_SOURCE_DIR}/docs/conformance.md"
        "-DBINARY=$<TARGET_FILE:${_interop_reference_backend}>"
        "-DMUTANTS_DIR=${PROJECT_SOURCE_DIR}/tests/mutants"
        -DCATALOGUE_SIZE=65
        "-DABSENT_PREFIXES=$<IF:$<TARGET_EXISTS:interop::tls>,,tls: >"
        -P "${PROJECT_SOURCE_DIR}/cmake/InteropConformanceDocCheck.cmake")
set_tests_properties("conformance: docs/conformance.md pins every catalogue item to existing test cases"
    PROPERTIES LABELS "conformance-self-test")

# The runner over a slice of the inline backend: JSON that parses, one result per
# behaviour, and exit status 0 because nothing fails.
set(_interop_runner_check_settings "${CMAKE_CURRENT_BINARY_DIR}/runner-json-check.cmake")
file(WRITE "${_interop_runner_check_settings}"
    "set(RUNNER_ARGS --backend inline --filter [[timer:*]] --filter [[system:*]] --jobs 2 --timeout 60)\n"
    "set(EXPECT_EXIT 0)\n"
    "set(EXPECT_BACKEND inline)\n")
add_test(NAME "conformance: interop-conformance --format json parses and covers every selected behaviour"
    COMMAND "${CMAKE_COMMAND}"
        "-DRUNNER=$<TARGET_FILE:interop::conformance_runner>"
        "-DSETTINGS=${_interop_runner_check_settings}"
        -P "${PROJECT_SOURCE_DIR}/cmake/InteropConformanceExpect.cmake")
set_tests_properties("conformance: interop-conformance --format json parses and covers every selected behaviour"
    PROPERTIES LABELS "conformance-self-test")
