//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//
//
// What Swift's Glibc module hides from droverd: a vfork-based spawn that puts
// inherited fds at 3.., sets PR_SET_PDEATHSIG and fills in LISTEN_PID with the
// child's own pid; memfds; SCM_CREDENTIALS on a datagram socket; prctl.

#ifndef CDROVER_H
#define CDROVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// What to spawn and how. All pointers stay owned by the caller.
typedef struct cdrover_spawn_options {
    /// Absolute path of the program (no PATH search happens here).
    const char *path;
    /// NULL-terminated argument vector.
    char *const *argv;
    /// NULL-terminated environment. Entries listed in `pid_env_indices` must
    /// end with '=' and are completed with the child's pid (e.g. "LISTEN_PID=").
    char *const *envp;
    /// Indices into `envp` of the entries to complete with the child's pid.
    const int *pid_env_indices;
    int pid_env_count;
    /// Descriptors to place at 3, 4, … in this order.
    const int *fds;
    int nfds;
    /// Descriptors for the child's 0, 1 and 2.
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    /// Working directory, or NULL to keep droverd's.
    const char *cwd;
    /// Put the child in a new process group of its own.
    int new_process_group;
    /// Signal sent to the child when the spawning thread dies (0 = none).
    int pdeathsig;
    /// Soft RLIMIT_NOFILE for the child (0 = inherit droverd's).
    unsigned long nofile_soft;
} cdrover_spawn_options;

/// Spawns a child. Returns its pid, or -errno if anything failed before or
/// during exec (the failed child is reaped here).
pid_t cdrover_spawn(const cdrover_spawn_options *options);

/// memfd_create(2) with MFD_CLOEXEC, truncated to `size` bytes; -errno on failure.
int cdrover_memfd(const char *name, size_t size);
/// Maps `size` bytes of `fd` read-only and shared; NULL on failure.
const volatile uint64_t *cdrover_map_u64(int fd, size_t size);
/// Unmaps what cdrover_map_u64 returned.
void cdrover_unmap(const volatile uint64_t *address, size_t size);
/// Reads an aligned 64-bit value once.
uint64_t cdrover_load_u64(const volatile uint64_t *address);

/// Creates a SOCK_DGRAM AF_UNIX socket with SO_PASSCRED bound to `address`
/// (a path, or "@name" for the abstract namespace). Returns the fd or -errno.
int cdrover_notify_socket(const char *address);

/// A listening Unix stream socket at `address` ("@name" for the abstract namespace): a worker's
/// own probe socket (`ready_probe`). Close-on-exec; the spawn passes it on. Returns the fd or -errno.
int cdrover_probe_listener(const char *address);

/// A non-blocking Unix stream socket connected (or connecting) to `address`. Returns the fd or -errno.
int cdrover_probe_connect(const char *address);
/// Receives one datagram without blocking. Returns its length (the text is
/// NUL-terminated in `buffer`), 0 for an empty one, -EAGAIN when none is
/// queued, or another -errno. `sender` gets the kernel-attested pid (0 if the
/// kernel attached none). Any file descriptors sent along are closed.
ssize_t cdrover_notify_receive(int fd, char *buffer, size_t capacity, pid_t *sender);

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the previous soft limit (0 on failure).
unsigned long cdrover_raise_nofile(void);
/// The process environment (`environ`).
char **cdrover_environ(void);

/// Marks this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER).
int cdrover_set_child_subreaper(void);
/// Number of CPUs in this thread's affinity mask, or -errno.
int cdrover_affinity_cpu_count(void);

/// A SOCK_SEQPACKET pair, close-on-exec, for a template; -errno on failure.
int cdrover_template_socketpair(int ends[2]);
/// Sends one message with up to 8 fds (SCM_RIGHTS); bytes sent, or -errno.
ssize_t cdrover_template_send(int fd, const void *bytes, size_t length, const int *fds, int nfds);
/// Waits up to timeout_ms for one message and reads it; its length (0: the other end closed), or -errno.
ssize_t cdrover_template_receive(int fd, void *buffer, size_t capacity, int timeout_ms);

/// A listening TCP socket's accept queue: connections waiting to be accepted, and its limit
/// (TCP_INFO's tcpi_unacked and tcpi_sacked, which Linux fills so for listeners); 0 or -errno.
int cdrover_listen_queue(int fd, unsigned int *queued, unsigned int *limit);

/// An eventfd (EFD_CLOEXEC | EFD_NONBLOCK); -errno on failure.
int cdrover_eventfd(void);
/// An epoll instance (EPOLL_CLOEXEC) watching `fd` for EPOLLPRI (a PSI trigger's signal): the
/// instance is readable when `fd` signals. Returns its fd or -errno.
int cdrover_epoll_priority(int fd);
/// Takes one pending event from an epoll instance without waiting; returns how many (0 or 1).
int cdrover_epoll_take(int epoll_fd);

/// Pages out the calling process's own mapping [address, address + length) (its code): first
/// madvise(MADV_RANDOM), so that touching a page again reads that page alone rather than a
/// readahead window, then madvise(MADV_PAGEOUT). 0, or -errno (EINVAL before Linux 5.4).
int cdrover_page_out_own(uint64_t address, uint64_t length);
/// madvise(MADV_PAGEOUT) alone on the calling process's [address, address + length). 0, or -errno.
int cdrover_page_out_range(uint64_t address, uint64_t length);

#endif
