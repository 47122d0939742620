#include "core/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

// The child reports a failed exec through a close-on-exec pipe: an empty read
// means exec succeeded, 4 bytes are its errno. That tells "not installed"
// apart from a program that ran and exited 127 itself.
int sc_proc_capture(char *const argv[], char **out, size_t *len, int *exit_code, sc_err *err) {
    int io[2], ex[2];
    if (out) *out = NULL;
    if (len) *len = 0;
    *exit_code = -1;
    if (pipe(io)) return sc_errf(err, "cannot start %s: pipe: %s", argv[0], strerror(errno));
    if (pipe(ex)) {
        close(io[0]), close(io[1]);
        return sc_errf(err, "cannot start %s: pipe: %s", argv[0], strerror(errno));
    }
    if (fcntl(ex[1], F_SETFD, FD_CLOEXEC)) {
        close(io[0]), close(io[1]), close(ex[0]), close(ex[1]);
        return sc_errf(err, "cannot start %s: pipe: %s", argv[0], strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(io[0]), close(io[1]), close(ex[0]), close(ex[1]);
        return sc_errf(err, "cannot start %s: fork: %s", argv[0], strerror(errno));
    }
    if (pid == 0) {
        close(io[0]);
        close(ex[0]);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) dup2(null, 0);
        dup2(io[1], 1);
        dup2(io[1], 2);
        execvp(argv[0], argv);
        int e = errno;
        if (write(ex[1], &e, sizeof e) < 0) _exit(127);
        _exit(127);
    }
    close(io[1]);
    close(ex[1]);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int oom = 0;
    for (;;) {
        char chunk[4096];
        ssize_t k = read(io[0], chunk, sizeof chunk);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        if (!out || oom) continue;  // keep draining so the child never blocks on a full pipe
        if (n + (size_t)k + 1 > cap) {
            size_t nc = cap ? cap * 2 : 8192;
            while (nc < n + (size_t)k + 1) nc *= 2;
            char *nb = realloc(buf, nc);
            if (!nb) {
                oom = 1;
                continue;
            }
            buf = nb, cap = nc;
        }
        memcpy(buf + n, chunk, (size_t)k);
        n += (size_t)k;
    }
    close(io[0]);
    int exec_errno = 0;
    ssize_t got;
    while ((got = read(ex[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
    }
    close(ex[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            free(buf);
            return sc_errf(err, "waiting for %s: %s", argv[0], strerror(errno));
        }
    if (got == (ssize_t)sizeof exec_errno) {
        free(buf);
        return sc_errf(err, "cannot run '%s': %s%s", argv[0], strerror(exec_errno),
                       exec_errno == ENOENT ? " (is it installed and on PATH?)" : "");
    }
    if (oom) {
        free(buf);
        return sc_errf(err, "out of memory reading the output of %s", argv[0]);
    }
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (out) {
        if (!buf && !(buf = malloc(1))) return sc_errf(err, "out of memory");
        buf[n] = '\0';
        *out = buf;
        if (len) *len = n;
    } else {
        free(buf);
    }
    return 0;
}
