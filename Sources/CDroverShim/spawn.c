//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//
//
// vfork + exec with everything a supervised worker needs. The child side only
// makes async-signal-safe system calls on memory prepared by the parent.

#define _GNU_SOURCE
#include "cdrover.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void write_decimal(char *out, pid_t value) {
    char digits[24];
    int n = 0;
    unsigned long v = (unsigned long)value;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (int i = 0; i < n; i++) out[i] = digits[n - 1 - i];
    out[n] = '\0';
}

/// Marks every descriptor from `first` on close-on-exec.
static void cloexec_from(int first) {
    if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    struct rlimit limit;
    int max = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < 1048576)
        max = (int)limit.rlim_cur;
    for (int fd = first; fd < max; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

pid_t cdrover_spawn(const cdrover_spawn_options *o) {
    int total = o->nfds + 3;
    int *high = calloc((size_t)total, sizeof(int));
    if (!high) return -ENOMEM;
    // Copy every source above the target range so no dup2 clobbers a later source.
    int floor = 3 + o->nfds + 3;
    int sources[3] = {o->stdin_fd, o->stdout_fd, o->stderr_fd};
    for (int i = 0; i < total; i++) {
        int src = i < 3 ? sources[i] : o->fds[i - 3];
        high[i] = fcntl(src, F_DUPFD_CLOEXEC, floor);
        if (high[i] < 0) {
            int err = errno;
            for (int j = 0; j < i; j++) close(high[j]);
            free(high);
            return -err;
        }
    }
    // Environment entries that receive the child's pid get room for it.
    size_t envc = 0;
    while (o->envp[envc]) envc++;
    char **envp = calloc(envc + 1, sizeof(char *));
    char **owned = calloc((size_t)(o->pid_env_count > 0 ? o->pid_env_count : 1), sizeof(char *));
    char **slots = calloc((size_t)(o->pid_env_count > 0 ? o->pid_env_count : 1), sizeof(char *));
    if (!envp || !owned || !slots) {
        for (int i = 0; i < total; i++) close(high[i]);
        free(high), free(envp), free(owned), free(slots);
        return -ENOMEM;
    }
    memcpy(envp, o->envp, envc * sizeof(char *));
    for (int k = 0; k < o->pid_env_count; k++) {
        int index = o->pid_env_indices[k];
        size_t len = strlen(o->envp[index]);
        owned[k] = malloc(len + 24);
        if (!owned[k]) {
            for (int j = 0; j < k; j++) free(owned[j]);
            for (int i = 0; i < total; i++) close(high[i]);
            free(high), free(envp), free(owned), free(slots);
            return -ENOMEM;
        }
        memcpy(owned[k], o->envp[index], len + 1);
        envp[index] = owned[k];
        slots[k] = owned[k] + len;
    }

    // No signal handler may run in the child while it shares our memory.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t parent = getpid();
    volatile int child_errno = 0;

    pid_t pid = vfork();
    if (pid == 0) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int sig = 1; sig < NSIG; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP) continue;
            sigaction(sig, &dfl, NULL);
        }
        if (o->new_process_group && setpgid(0, 0) < 0) goto fail;
        if (o->pdeathsig) {
            if (prctl(PR_SET_PDEATHSIG, o->pdeathsig) < 0) goto fail;
            if (getppid() != parent) _exit(127);
        }
        pid_t self = getpid();
        for (int k = 0; k < o->pid_env_count; k++) write_decimal(slots[k], self);
        for (int i = 0; i < total; i++) {
            if (dup2(high[i], i) < 0) goto fail;
        }
        cloexec_from(total);
        if (o->nofile_soft) {
            struct rlimit limit;
            if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && o->nofile_soft < limit.rlim_cur) {
                limit.rlim_cur = o->nofile_soft;
                setrlimit(RLIMIT_NOFILE, &limit);
            }
        }
        if (o->cwd && chdir(o->cwd) < 0) goto fail;
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(o->path, o->argv, envp);
    fail:
        child_errno = errno ? errno : EINVAL;
        _exit(127);
    }
    int spawn_errno = pid < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);

    for (int i = 0; i < total; i++) close(high[i]);
    for (int k = 0; k < o->pid_env_count; k++) free(owned[k]);
    free(high), free(envp), free(owned), free(slots);

    if (pid < 0) return -spawn_errno;
    if (child_errno != 0) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return -child_errno;
    }
    return pid;
}
