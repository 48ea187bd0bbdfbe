//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//
//
// Small system calls and macros that Swift's Glibc module does not expose.

#define _GNU_SOURCE
#include "cdrover.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

int cdrover_memfd(const char *name, size_t size) {
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) return -errno;
    if (ftruncate(fd, (off_t)size) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

const volatile uint64_t *cdrover_map_u64(int fd, size_t size) {
    void *address = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    return address == MAP_FAILED ? NULL : (const volatile uint64_t *)address;
}

void cdrover_unmap(const volatile uint64_t *address, size_t size) {
    if (address) munmap((void *)address, size);
}

uint64_t cdrover_load_u64(const volatile uint64_t *address) {
    return __atomic_load_n(address, __ATOMIC_RELAXED);
}

static int unix_address(const char *text, struct sockaddr_un *sun, socklen_t *length) {
    size_t n = strlen(text);
    if (n == 0 || n >= sizeof sun->sun_path) return -ENAMETOOLONG;
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, text, n);
    if (text[0] == '@') sun->sun_path[0] = '\0';
    *length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (text[0] == '@' ? 0 : 1));
    return 0;
}

int cdrover_notify_socket(const char *address) {
    struct sockaddr_un sun;
    socklen_t length;
    int rc = unix_address(address, &sun, &length);
    if (rc < 0) return rc;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -errno;
    int one = 1;
    // Large enough for a burst of notifications from many workers.
    int buffer = 1 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&sun, length) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    return fd;
}

/* A Unix stream socket at `address`: listening, or connected (non-blocking; a Unix socket
   connects at once, or not). Returns the fd or -errno. */
static int unix_stream(const char *address, int connecting) {
    struct sockaddr_un sun;
    socklen_t length;
    int rc = unix_address(address, &sun, &length);
    if (rc < 0) return rc;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (connecting ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) return -errno;
    int failed = connecting ? connect(fd, (struct sockaddr *)&sun, length) < 0
                            : bind(fd, (struct sockaddr *)&sun, length) < 0 || listen(fd, 8) < 0;
    if (failed) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

int cdrover_probe_listener(const char *address) { return unix_stream(address, 0); }

int cdrover_probe_connect(const char *address) { return unix_stream(address, 1); }

ssize_t cdrover_notify_receive(int fd, char *buffer, size_t capacity, pid_t *sender) {
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
    } control;
    struct iovec iov = {.iov_base = buffer, .iov_len = capacity > 0 ? capacity - 1 : 0};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof control.bytes;
    ssize_t n;
    do {
        n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    *sender = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof cred);
            *sender = cred.pid;
        } else if (c->cmsg_type == SCM_RIGHTS) {
            // BARRIER=1 and FDSTORE=1 send descriptors: close them, or the sender waits.
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; i++) {
                int passed;
                memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                close(passed);
            }
        }
    }
    size_t length = (size_t)n < iov.iov_len ? (size_t)n : iov.iov_len;
    if (capacity > 0) buffer[length] = '\0';
    return (ssize_t)length;
}

int cdrover_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0;
}

int cdrover_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) < 0) return -errno;
    return CPU_COUNT(&set);
}

unsigned long cdrover_raise_nofile(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) < 0) return 0;
    unsigned long previous = (unsigned long)limit.rlim_cur;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    return previous;
}

extern char **environ;

char **cdrover_environ(void) { return environ; }

int cdrover_listen_queue(int fd, unsigned int *queued, unsigned int *limit) {
    struct tcp_info info;
    socklen_t length = sizeof info;
    memset(&info, 0, sizeof info);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) < 0) return -errno;
    if (info.tcpi_state != TCP_LISTEN) return -EINVAL;
    // For a listening socket Linux reports the accept queue here (tcp_get_info).
    *queued = info.tcpi_unacked;
    *limit = info.tcpi_sacked;
    return 0;
}

int cdrover_eventfd(void) {
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return fd >= 0 ? fd : -errno;
}

int cdrover_epoll_priority(int fd) {
    int poller = epoll_create1(EPOLL_CLOEXEC);
    if (poller < 0) return -errno;
    struct epoll_event event = {.events = EPOLLPRI, .data = {.fd = fd}};
    if (epoll_ctl(poller, EPOLL_CTL_ADD, fd, &event) != 0) {
        int error = errno;
        close(poller);
        return -error;
    }
    return poller;
}

int cdrover_epoll_take(int epoll_fd) {
    struct epoll_event event;
    int count = epoll_wait(epoll_fd, &event, 1, 0);
    return count > 0 ? count : 0;
}

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

int cdrover_page_out_own(uint64_t address, uint64_t length) {
    if (madvise((void *)(uintptr_t)address, (size_t)length, MADV_RANDOM) != 0) return -errno;
    if (madvise((void *)(uintptr_t)address, (size_t)length, MADV_PAGEOUT) != 0) return -errno;
    return 0;
}

int cdrover_page_out_range(uint64_t address, uint64_t length) {
    return madvise((void *)(uintptr_t)address, (size_t)length, MADV_PAGEOUT) == 0 ? 0 : -errno;
}
