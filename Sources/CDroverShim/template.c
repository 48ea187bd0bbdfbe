//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//
//
// The droverd end of a template's socket (SOCK_SEQPACKET): one message per request or answer,
// a fork request carrying the worker's own fds (SCM_RIGHTS).

#define _GNU_SOURCE
#include "cdrover.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int cdrover_template_socketpair(int ends[2]) {
    return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) < 0 ? -errno : 0;
}

ssize_t cdrover_template_send(int fd, const void *bytes, size_t length, const int *fds, int nfds) {
    if (nfds < 0 || nfds > 8) return -EINVAL;
    struct iovec io = {.iov_base = (void *)bytes, .iov_len = length};
    union {
        char buffer[CMSG_SPACE(8 * sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {.msg_iov = &io, .msg_iovlen = 1};
    if (nfds > 0) {
        message.msg_control = control.buffer;
        message.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(header), fds, (size_t)nfds * sizeof(int));
    }
    ssize_t sent;
    do {
        sent = sendmsg(fd, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent < 0 ? -errno : sent;
}

ssize_t cdrover_template_receive(int fd, void *buffer, size_t capacity, int timeout_ms) {
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int left = timeout_ms;
    for (;;) {
        struct pollfd entry = {.fd = fd, .events = POLLIN};
        int ready = poll(&entry, 1, left);
        if (ready < 0 && errno != EINTR) return -errno;
        if (ready > 0) break;
        if (ready == 0) return -ETIMEDOUT;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        left = timeout_ms - (int)elapsed;
        if (left <= 0) return -ETIMEDOUT;
    }
    ssize_t count;
    do {
        // Any fds the other end sends are closed on exec, and ignored: none are expected.
        count = recv(fd, buffer, capacity, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    } while (count < 0 && errno == EINTR);
    return count < 0 ? -errno : count;
}
