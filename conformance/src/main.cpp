// The conformance binary for one backend: doctest's runner, plus the options the
// interop-conformance runner drives it with.
//
//   --interop-info            the backend's name and declared capabilities
//   --interop-list            every test case name, exactly, one per line
//   --interop-run=<name>      runs the one test case with exactly that name; exit status
//                             0 passed, 1 failed, 77 n/a (capability), 2 no such test
//   --interop-report=<file>   appends a record per test case (report_format.hpp)
//
// Without them it is a plain doctest program (--test-case=..., --help, ...). In every
// mode a test case fails if coroutine frames outlive it, and the exit status says so.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "interop/conformance/suite.hpp"
#include "recorder.hpp"
#include "report_format.hpp"

namespace interop::conformance {
void print_not_applicable();
}

namespace {

namespace conf = interop::conformance;
namespace rf = interop::conformance::report_format;

constexpr int exit_usage = 2;

struct test_case_ref {
    std::string name;
    std::string file;
};

// Collects the test cases of a --list-test-cases query instead of printing them.
std::vector<test_case_ref>* listing_target = nullptr;

struct listing_reporter : doctest::IReporter {
    explicit listing_reporter(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData& in) override {
        if (listing_target == nullptr) return;
        for (unsigned i = 0; i < in.num_data; ++i) {
            listing_target->push_back({in.data[i]->m_name, in.data[i]->m_file.c_str()});
        }
    }
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

std::vector<test_case_ref> registered_tests(const char* argv0) {
    std::vector<test_case_ref> tests;
    listing_target = &tests;
    const char* args[] = {argv0, "--list-test-cases", "--reporters=interop-listing",
                          "--no-version"};
    doctest::Context query(static_cast<int>(std::size(args)), args);
    query.run();
    listing_target = nullptr;
    return tests;
}

struct options {
    bool info = false;
    bool list = false;
    std::optional<std::string> run;
    std::optional<std::string> report;
    std::vector<const char*> doctest_args;  // everything else, argv[0] first
};

std::optional<std::string_view> value_of(std::string_view arg, std::string_view option) {
    if (arg.substr(0, option.size()) != option) return std::nullopt;
    return arg.substr(option.size());
}

options parse(int argc, char** argv) {
    options o;
    o.doctest_args.push_back(argv[0]);
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--interop-info") {
            o.info = true;
        } else if (arg == "--interop-list") {
            o.list = true;
        } else if (auto name = value_of(arg, "--interop-run=")) {
            o.run = std::string(*name);
        } else if (auto file = value_of(arg, "--interop-report=")) {
            o.report = std::string(*file);
        } else {
            o.doctest_args.push_back(argv[i]);
        }
    }
    return o;
}

bool wants_help(const options& o) {
    for (const char* a : o.doctest_args) {
        const std::string_view arg = a;
        if (arg == "-h" || arg == "--help" || arg == "-?") return true;
    }
    return false;
}

void print_interop_help() {
    std::printf(
        "interop conformance options:\n"
        "  --interop-info            print the backend's name and declared capabilities\n"
        "  --interop-list            print every test case name, one per line\n"
        "  --interop-run=<name>      run the test case with exactly this name\n"
        "                            (exit status 0 pass, 1 fail, %d n/a, %d no such test)\n"
        "  --interop-report=<file>   append a machine-readable record per test case\n",
        rf::exit_not_applicable, exit_usage);
}

int print_info() {
    const conf::backend& b = conf::current_backend();
    std::printf("backend %s\ncapabilities", b.name);
    for (const std::string& c : conf::capability_names(b.capabilities))
        std::printf(" %s", c.c_str());
    std::printf("\n");
    return 0;
}

// Names must be unique: the runner and ctest select test cases by name.
bool report_duplicates(const std::vector<test_case_ref>& tests) {
    std::set<std::string> seen;
    bool duplicates = false;
    for (const test_case_ref& t : tests) {
        if (!seen.insert(t.name).second) {
            std::fprintf(stderr, "two test cases are named \"%s\" (one in %s)\n", t.name.c_str(),
                         t.file.c_str());
            duplicates = true;
        }
    }
    return duplicates;
}

int print_list(const char* argv0) {
    std::vector<test_case_ref> tests = registered_tests(argv0);
    if (report_duplicates(tests)) return exit_usage;
    std::set<std::string> names;
    for (const test_case_ref& t : tests) names.insert(t.name);
    for (const std::string& n : names) std::printf("%s\n", n.c_str());
    return 0;
}

// doctest selects by wildcard patterns in which '*', '?' and ',' are special and
// cannot be escaped. Each special character becomes '?', which matches itself too;
// the pattern then matches exactly the wanted name, unless another name differs only
// in those places. That case is resolved by the source file, or refused.
std::string literal_pattern(std::string_view text) {
    std::string p(text);
    for (char& c : p) {
        if (c == '*' || c == '?' || c == ',' || c == '\\') c = '?';
    }
    return p;
}

bool matches(std::string_view text, std::string_view pattern) {
    if (text.size() != pattern.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (pattern[i] != '?' && pattern[i] != text[i]) return false;
    }
    return true;
}

int run_one(const options& o) {
    const std::vector<test_case_ref> tests = registered_tests(o.doctest_args[0]);
    const test_case_ref* wanted = nullptr;
    for (const test_case_ref& t : tests) {
        if (t.name == *o.run) wanted = &t;
    }
    if (wanted == nullptr) {
        std::fprintf(stderr, "no test case is named \"%s\" (--interop-list lists them)\n",
                     o.run->c_str());
        return exit_usage;
    }
    const std::string name_pattern = literal_pattern(wanted->name);
    const std::string file_pattern = literal_pattern(wanted->file);
    int same_name = 0;
    int same_name_and_file = 0;
    for (const test_case_ref& t : tests) {
        if (!matches(t.name, name_pattern)) continue;
        ++same_name;
        if (matches(t.file, file_pattern)) ++same_name_and_file;
    }
    if (same_name_and_file > 1) {
        std::fprintf(stderr, "\"%s\" cannot be told apart from another test case's name\n",
                     wanted->name.c_str());
        return exit_usage;
    }

    std::vector<std::string> storage{"--test-case=" + name_pattern, "--case-sensitive=true"};
    if (same_name > 1) storage.push_back("--source-file=" + file_pattern);
    std::vector<const char*> args = o.doctest_args;
    for (const std::string& s : storage) args.push_back(s.c_str());

    doctest::Context context;
    context.applyCommandLine(static_cast<int>(args.size()), args.data());
    const int status = context.run();
    conf::print_not_applicable();

    const auto finished = conf::detail::recorder::instance().finished();
    if (finished.size() != 1 || finished.front().name != wanted->name) {
        std::fprintf(stderr, "selecting \"%s\" ran %zu test cases instead of that one\n",
                     wanted->name.c_str(), finished.size());
        return exit_usage;
    }
    switch (finished.front().result) {
        case conf::detail::verdict::fail:
            return 1;
        case conf::detail::verdict::not_applicable:
            return status != 0 ? 1 : rf::exit_not_applicable;
        case conf::detail::verdict::pass:
            return status != 0 ? 1 : 0;
    }
    return 1;
}

int run_doctest(const options& o) {
    doctest::Context context;
    context.applyCommandLine(static_cast<int>(o.doctest_args.size()), o.doctest_args.data());
    const int status = context.run();
    if (wants_help(o)) print_interop_help();
    if (context.shouldExit()) return status;
    conf::print_not_applicable();
    std::printf("backend: %s\n", conf::current_backend().name);
    // Frame leaks fail a test case without a doctest assertion.
    if (status == 0 && conf::detail::recorder::instance().any_failed()) return 1;
    return status;
}

}  // namespace

DOCTEST_REGISTER_REPORTER("interop-listing", 0, listing_reporter);

int main(int argc, char** argv) {
    const options o = parse(argc, argv);
    if (o.info) return print_info();
    if (o.list) return print_list(argv[0]);

    std::unique_ptr<std::FILE, int (*)(std::FILE*)> report(nullptr, &std::fclose);
    if (o.report) {
        report.reset(std::fopen(o.report->c_str(), "a"));
        if (!report) {
            std::fprintf(stderr, "cannot write the report to %s: %s\n", o.report->c_str(),
                         std::strerror(errno));
            return exit_usage;
        }
        conf::detail::recorder::instance().set_report(report.get());
    }
    const int status = o.run ? run_one(o) : run_doctest(o);
    conf::detail::recorder::instance().set_report(nullptr);
    return status;
}
