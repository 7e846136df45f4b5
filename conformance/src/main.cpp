// The conformance binary for one backend: doctest's runner plus the n/a report.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "interop/conformance/suite.hpp"

#include <mutex>
#include <string>

namespace interop::conformance {
void print_not_applicable();

namespace {
std::mutex current_test_mutex;
std::string current_test;

// Records which test case runs, for the hang guard and the n/a report.
struct test_name_listener : doctest::IReporter {
    explicit test_name_listener(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData& data) override {
        std::lock_guard lock(current_test_mutex);
        current_test = data.m_name;
    }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};
}  // namespace

std::string current_test_name() {
    std::lock_guard lock(current_test_mutex);
    return current_test;
}
}  // namespace interop::conformance

DOCTEST_REGISTER_LISTENER("interop-test-name", 1, interop::conformance::test_name_listener);

int main(int argc, char** argv) {
    doctest::Context context;
    context.applyCommandLine(argc, argv);
    const int status = context.run();
    interop::conformance::print_not_applicable();
    if (context.shouldExit()) return status;
    std::printf("backend: %s\n", interop::conformance::current_backend().name);
    return status;
}
