// The awaitable of one file request (runtime/interface.hpp, file_operation): filled in
// by the file functions, started on the file's runtime (or the awaiting task's, for a
// request on a path), and resumed with the request's result.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <system_error>
#include <utility>

#include "interop/detail/leaf_operation.hpp"
#include "interop/io_result.hpp"
#include "interop/runtime/interface.hpp"

namespace interop::detail {

class file_io : public leaf_operation<file_operation, file_io> {
public:
    static constexpr const char* operation_name = "interop::file";

    // `rt` empty: the awaiting task's runtime. `busy`: the file's flag for the one
    // read (or write) that may be pending, claimed when the request is awaited.
    file_io(file_request request, runtime_ref rt, std::errc precheck,
            std::atomic<bool>* busy = nullptr) noexcept
        : rt_(rt), precheck_(precheck), busy_(busy) {
        op().request = request;
    }
    file_io(file_io&& other) noexcept
        : leaf_operation(),
          rt_(other.rt_),
          precheck_(other.precheck_),
          busy_(other.busy_),
          path_(std::move(other.path_)),
          target_(std::move(other.target_)) {
        const file_operation& from = other.op();
        file_operation& to = op();
        to.request = from.request;
        to.fd = from.fd;
        to.open_flags = from.open_flags;
        to.mode = from.mode;
        to.data = from.data;
        to.size = from.size;
        to.offset = from.offset;
        to.whence = from.whence;
        to.data_only = from.data_only;
        to.follow = from.follow;
        point_at_names();
    }
    file_io& operator=(file_io&&) = delete;
    ~file_io() = default;

    // The request's fields, to fill in before it is awaited and read after.
    file_operation& request() noexcept { return op(); }
    // Names the request carries: kept here, so the operation points into this object.
    void set_path(std::string name) noexcept {
        path_ = std::move(name);
        point_at_names();
    }
    void set_target(std::string name) noexcept {
        target_ = std::move(name);
        point_at_names();
    }

    bool await_ready() noexcept {
        if (precheck_ != std::errc{}) return true;
        // An empty write is 0 at once, as on a stream: nothing to wait for or to claim.
        if (op().request == file_request::write && op().size == 0) {
            empty_write_ = true;
            return true;
        }
        if (busy_ != nullptr) {
            if (busy_->exchange(true, std::memory_order_acq_rel)) {
                precheck_ = std::errc::device_or_resource_busy;
                return true;
            }
            claimed_ = true;
        }
        return false;
    }
    runtime_ref select_runtime(runtime_ref from_context) const noexcept {
        return rt_ ? rt_ : from_context;
    }
    void start(runtime_ref rt) noexcept { rt.vtable->file_call(rt.self, &op()); }
    io_result<std::size_t> await_resume() noexcept {
        if (precheck_ != std::errc{}) return precheck_;
        if (empty_write_) return std::size_t{0};
        finish();
        if (claimed_) busy_->store(false, std::memory_order_release);
        claimed_ = false;
        if (failed()) return error();
        return transferred();
    }

private:
    void point_at_names() noexcept {
        op().path = path_.empty() ? nullptr : path_.c_str();
        op().target = target_.empty() ? nullptr : target_.c_str();
    }

    runtime_ref rt_;
    std::errc precheck_;
    std::atomic<bool>* busy_;
    bool claimed_ = false;
    bool empty_write_ = false;
    std::string path_;
    std::string target_;
};

}  // namespace interop::detail
