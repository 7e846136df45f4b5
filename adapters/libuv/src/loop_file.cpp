// file_call(): each file request as the matching uv_fs_* call, on libuv's thread pool.
//
// As with spawn_blocking (loop_background.cpp), a request object owns the uv_fs_t and
// points at its operation; libuv calls back on the loop thread, and the callback
// completes the operation (if it still waits) and frees the request. uv_cancel takes
// back a request that no pool thread has started; one that has started runs to the
// end. libuv has no lseek, and its close is a plain close(2): seek and close run at
// once through the kit, as the contract has them complete inside file_call.
#include <algorithm>
#include <climits>
#include <memory>
#include <new>

#include "errors.hpp"
#include "interop/runtime/posix_file.hpp"
#include "loop.hpp"
#include "op_data.hpp"

namespace interop::libuv_detail {

struct fs_request {
    uv_fs_t request{};
    loop* owner = nullptr;
    file_operation* op = nullptr;  // null once cancelled
};

namespace {

file_type type_of_dirent(uv_dirent_type_t type) noexcept {
    switch (type) {
        case UV_DIRENT_FILE:
            return file_type::regular;
        case UV_DIRENT_DIR:
            return file_type::directory;
        case UV_DIRENT_LINK:
            return file_type::symlink;
        default:
            return file_type::other;
    }
}

file_status status_of(const uv_stat_t& st) noexcept {
    file_status s;
    s.size = st.st_size;
    s.type = kit::posix::type_of_mode(static_cast<mode_t>(st.st_mode));
    s.permissions = static_cast<std::uint32_t>(st.st_mode & 07777);
    s.modified_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                    static_cast<std::int64_t>(st.st_mtim.tv_nsec);
    return s;
}

// The entries of a finished uv_fs_scandir, with the kit's lstat for a type the system
// did not say.
std::error_code take_entries(uv_fs_t* request, file_operation* op) noexcept {
    try {
        op->entries.clear();
        uv_dirent_t entry{};
        while (uv_fs_scandir_next(request, &entry) != UV_EOF) {
            if (kit::posix::is_dot_or_dot_dot(entry.name)) continue;
            const file_type type = entry.type == UV_DIRENT_UNKNOWN
                                       ? kit::posix::entry_type(op->path, entry.name, DT_UNKNOWN)
                                       : type_of_dirent(entry.type);
            op->entries.push_back({entry.name, type});
        }
    } catch (const std::bad_alloc&) {
        return out_of_memory();
    }
    return {};
}

}  // namespace

void loop::file_call(file_operation* op) noexcept {
    mark_unparked(op);
    if (op->completes_in_call()) return kit::posix::run_file_request_now(op);
    if (refuse_if_stopped(op)) return;
    auto* request = new (std::nothrow) fs_request{};
    if (!request) return op->complete(out_of_memory(), 0);
    request->request.data = request;
    request->owner = this;
    request->op = op;
    const int status = start_file_request(op, &request->request);
    if (status < 0) {
        delete request;
        return op->complete(error_from_uv(status), 0);
    }
    set_waits_on(op, request);
    park(op);
}

int loop::start_file_request(file_operation* op, uv_fs_t* request) noexcept {
    uv_loop_t* const l = &uv_;
    const uv_fs_cb done = &loop::on_file_done;
    switch (op->request) {
        case file_request::open:
            return uv_fs_open(l, request, op->path, kit::posix::open_flags_of(op->open_flags),
                              static_cast<int>(op->mode), done);
        case file_request::read:
        case file_request::write: {
            // A uv_buf_t holds an unsigned int: a larger request moves less, as it may.
            const auto length = static_cast<unsigned int>(std::min<std::size_t>(op->size, INT_MAX));
            const uv_buf_t buffer = uv_buf_init(reinterpret_cast<char*>(op->data), length);
            if (op->request == file_request::read)
                return uv_fs_read(l, request, op->fd, &buffer, 1, op->offset, done);
            return uv_fs_write(l, request, op->fd, &buffer, 1, op->offset, done);
        }
        case file_request::sync:
            return op->data_only ? uv_fs_fdatasync(l, request, op->fd, done)
                                 : uv_fs_fsync(l, request, op->fd, done);
        case file_request::stat:
            if (op->path == nullptr) return uv_fs_fstat(l, request, op->fd, done);
            return op->follow ? uv_fs_stat(l, request, op->path, done)
                              : uv_fs_lstat(l, request, op->path, done);
        case file_request::truncate:
            if (op->offset < 0) return UV_EINVAL;
            return uv_fs_ftruncate(l, request, op->fd, op->offset, done);
        case file_request::unlink:
            return uv_fs_unlink(l, request, op->path, done);
        case file_request::rename:
            return uv_fs_rename(l, request, op->path, op->target, done);
        case file_request::mkdir:
            return uv_fs_mkdir(l, request, op->path, static_cast<int>(op->mode), done);
        case file_request::rmdir:
            return uv_fs_rmdir(l, request, op->path, done);
        case file_request::list:
            return uv_fs_scandir(l, request, op->path, 0, done);
        case file_request::seek:
        case file_request::close:
            break;  // run at once by file_call
    }
    return UV_EINVAL;
}

void loop::on_file_done(uv_fs_t* raw) {
    const std::unique_ptr<fs_request> request(static_cast<fs_request*>(raw->data));
    const auto cleanup = [raw] { uv_fs_req_cleanup(raw); };
    loop& self = *request->owner;
    file_operation* op = request->op;
    const auto result = raw->result;
    if (!op || self.destroying_) {
        // Only a request taken back before it started comes here without an operation;
        // an open the loop's end abandoned still gives its descriptor back.
        if (raw->fs_type == UV_FS_OPEN && result >= 0) ::close(static_cast<int>(result));
        return cleanup();
    }
    if (result < 0) {
        cleanup();
        return self.finish(op, error_from_uv(static_cast<int>(result)), 0);
    }
    std::error_code error;
    std::size_t transferred = 0;
    switch (op->request) {
        case file_request::open:
            op->fd = static_cast<int>(result);
            // libuv opens a directory read-only as Linux does; interop never does.
            error = kit::posix::reject_directory(op->fd);
            if (error) op->fd = -1;
            break;
        case file_request::read:
        case file_request::write:
            transferred = static_cast<std::size_t>(result);
            break;
        case file_request::stat:
            op->status = status_of(raw->statbuf);
            break;
        case file_request::list:
            error = take_entries(raw, op);
            break;
        default:
            break;
    }
    cleanup();
    self.finish(op, error, transferred);
}

// A request that runs uses the caller's buffer: only one not started can be cancelled.
bool loop::cancel_file(operation* op) noexcept {
    auto* request = waits_on<fs_request>(op);
    if (uv_cancel(reinterpret_cast<uv_req_t*>(&request->request)) != 0) return false;
    request->op = nullptr;  // on_file_done comes with UV_ECANCELED and frees the request
    return true;
}

}  // namespace interop::libuv_detail
