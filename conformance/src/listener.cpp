// The doctest listener that feeds the recorder: which test case runs, and the text of
// every failure, written the way doctest's console reporter writes it.
#include <doctest/doctest.h>

#include <string>

#include "recorder.hpp"

namespace interop::conformance::detail {
namespace {

bool is_failure_severity(int at) {
    // WARN-level assertions and messages never fail a test.
    return (at & doctest::assertType::is_warn) == 0;
}

std::string describe(const doctest::AssertData& a) {
    std::string text = short_path(a.m_file) + ":" + std::to_string(a.m_line) + ": " +
                       doctest::assertString(a.m_at) + "( " + a.m_expr + " ) ";
    if (a.m_at & doctest::assertType::is_throws_as) {
        text += a.m_threw
                    ? (a.m_threw_as
                           ? "threw the expected type, but with the wrong message"
                           : std::string("threw a different exception: ") + a.m_exception.c_str())
                    : std::string("did not throw ") + a.m_exception_type;
    } else if (a.m_at & (doctest::assertType::is_throws | doctest::assertType::is_throws_with)) {
        text += a.m_threw ? std::string("threw: ") + a.m_exception.c_str() : "did not throw";
    } else if (a.m_threw) {
        text += std::string("threw an exception: ") + a.m_exception.c_str();
    } else {
        text += "is NOT correct!\n  values: " + std::string(doctest::assertString(a.m_at)) + "( " +
                a.m_decomp.c_str() + " )";
    }
    return text;
}

struct recording_listener : doctest::IReporter {
    explicit recording_listener(const doctest::ContextOptions&) {}

    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData& data) override {
        recorder::instance().test_started(data.m_name);
    }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
        // Failures doctest counted without an assertion to show (a test that ran over
        // its time limit, say) still fail it.
        if (!stats.testCaseSuccess && !recorder::instance().any_failure_in_current()) {
            recorder::instance().failure("doctest reports the test case as failed");
        }
        recorder::instance().test_finished();
    }
    void test_case_exception(const doctest::TestCaseException& e) override {
        recorder::instance().failure(
            std::string(e.is_crash ? "crashed: " : "uncaught exception: ") +
            e.error_string.c_str());
    }
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData& a) override {
        if (!a.m_failed || !is_failure_severity(a.m_at)) return;
        recorder::instance().failure(describe(a));
    }
    void log_message(const doctest::MessageData& m) override {
        if (!is_failure_severity(m.m_severity)) return;  // MESSAGE, WARN: informational
        recorder::instance().failure(short_path(m.m_file) + ":" + std::to_string(m.m_line) + ": " +
                                     m.m_string.c_str());
    }
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace
}  // namespace interop::conformance::detail

DOCTEST_REGISTER_LISTENER("interop-recorder", 1, interop::conformance::detail::recording_listener);
