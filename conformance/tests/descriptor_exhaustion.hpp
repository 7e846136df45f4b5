// Puts the process out of file descriptors for the lifetime of an object, whatever
// it inherited: RLIMIT_NOFILE is lowered just above the highest open descriptor plus
// a few spare numbers, and every free number below the limit is taken by a filler.
// The spares guarantee fillers to give back, even when the open descriptors have no
// gaps (a process started with only 0, 1 and 2 open has none).
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <vector>

namespace interop::conformance::testing {

class descriptor_exhaustion {
public:
    static constexpr int spare = 4;

    descriptor_exhaustion() {
        // A descriptor to copy, taken before the limit drops: stdin may be closed.
        source_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (source_ < 0 || ::getrlimit(RLIMIT_NOFILE, &saved_) != 0) return;
        rlimit lowered = saved_;
        lowered.rlim_cur = static_cast<rlim_t>(highest_open()) + 1 + spare;
        if (lowered.rlim_cur > saved_.rlim_cur || ::setrlimit(RLIMIT_NOFILE, &lowered) != 0) return;
        lowered_ = true;
        for (int fd; (fd = ::fcntl(source_, F_DUPFD_CLOEXEC, 0)) >= 0;) fillers_.push_back(fd);
    }
    ~descriptor_exhaustion() {
        for (int fd : fillers_) ::close(fd);
        if (lowered_) ::setrlimit(RLIMIT_NOFILE, &saved_);
        if (source_ >= 0) ::close(source_);
    }
    descriptor_exhaustion(const descriptor_exhaustion&) = delete;
    descriptor_exhaustion& operator=(const descriptor_exhaustion&) = delete;

    // True when the limit is lowered and at least `spare` numbers are held.
    bool applied() const noexcept {
        return lowered_ && fillers_.size() >= static_cast<std::size_t>(spare);
    }

    // Gives `n` descriptor numbers back; the limit stays.
    void release(int n) {
        for (; n > 0 && !fillers_.empty(); --n) {
            ::close(fillers_.back());
            fillers_.pop_back();
        }
    }

private:
    static int highest_open() {
        int highest = 2;
        if (DIR* dir = ::opendir("/proc/self/fd")) {
            while (const dirent* entry = ::readdir(dir)) {
                if (entry->d_name[0] != '.') highest = std::max(highest, std::atoi(entry->d_name));
            }
            ::closedir(dir);
        }
        return highest;
    }

    int source_ = -1;
    rlimit saved_{};
    bool lowered_ = false;
    std::vector<int> fillers_;
};

}  // namespace interop::conformance::testing
