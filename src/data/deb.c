// Debian packages as archives: find or download the .deb, unpack its data tar.
#include "data/deb.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/rawfile.h"

// Runs argv (no shell) in folder `cwd` (NULL: here) with stdout into file `out`
// (NULL: onto stderr, so that CLI output stays clean). 0, or -1 with err.
static int run(char *const argv[], const char *cwd, const char *out, sc_err *err) {
    pid_t pid = fork();
    if (pid < 0) return sc_errf(err, "cannot start %s: %s", argv[0], strerror(errno));
    if (pid == 0) {
        int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600) : 2;
        if (fd < 0 || dup2(fd, 1) < 0 || (cwd && chdir(cwd))) _exit(126);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return sc_errf(err, "waiting for %s failed", argv[0]);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        char cmd[512] = "";
        for (int i = 0; argv[i]; i++) {
            if (i) strncat(cmd, " ", sizeof cmd - strlen(cmd) - 1);
            strncat(cmd, argv[i], sizeof cmd - strlen(cmd) - 1);
        }
        return sc_errf(err, "`%s` failed (exit %d)", cmd, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    return 0;
}

// "PACKAGE_VERSION_" as apt names the file (':' of an epoch written %3a).
static void deb_prefix(const char *pin, char *buf, size_t cap) {
    size_t k = 0;
    for (const char *p = pin; *p && k + 4 < cap; p++) {
        if (*p == '=') buf[k++] = '_';
        else if (*p == ':') k += (size_t)snprintf(buf + k, cap - k, "%%3a");
        else buf[k++] = *p;
    }
    if (k + 1 < cap) buf[k++] = '_';
    buf[k] = '\0';
}

// A file PREFIX*.deb in dir; 0 and its path, or -1.
static int find_deb(const char *dir, const char *prefix, char *path, size_t cap) {
    DIR *d = dir && *dir ? opendir(dir) : NULL;
    if (!d) return -1;
    struct dirent *e;
    int rc = -1;
    size_t pl = strlen(prefix);
    while (rc && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > pl + 4 && !strncmp(e->d_name, prefix, pl) && !strcmp(e->d_name + l - 4, ".deb")) {
            snprintf(path, cap, "%s/%s", dir, e->d_name);
            rc = 0;
        }
    }
    closedir(d);
    return rc;
}

// apt-get download PIN into tmpdir; one `apt-get update` and a retry if apt does
// not know the version yet (a fresh machine has empty package lists).
static int apt_download(const char *pin, const char *tmpdir, FILE *log, sc_err *err) {
    int root = geteuid() == 0;
    // As root apt would drop to user _apt, who cannot write into a private temp folder.
    char *dl_root[] = {"apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", (char *)pin, NULL};
    char *dl_user[] = {"apt-get", "download", "-q", (char *)pin, NULL};
    char *const *dl = root ? dl_root : dl_user;
    if (log) fprintf(log, "  downloading %s with apt-get download (no install)\n", pin);
    if (!run(dl, tmpdir, NULL, err)) return 0;
    if (log) fprintf(log, "  apt-get update (apt does not know %s yet?)\n", pin);
    char *up_root[] = {"apt-get", "update", "-qq", NULL};
    char *up_sudo[] = {"sudo", "-n", "apt-get", "update", "-qq", NULL};
    sc_err e2;
    if (run(root ? up_root : up_sudo, NULL, NULL, &e2))
        return sc_err_prefix(err, "cannot download %s (and %s); offline? put the .deb into $SCAFFOLD_DEB_DIR", pin,
                             e2.msg);
    if (run(dl, tmpdir, NULL, err))
        return sc_err_prefix(err, "cannot download %s (offline? put the .deb into $SCAFFOLD_DEB_DIR)", pin);
    return 0;
}

int sc_deb_get(const char *pin, const char *tmpdir, char *path, size_t cap, FILE *log, sc_err *err) {
    char prefix[512];
    deb_prefix(pin, prefix, sizeof prefix);
    if (!find_deb(getenv("SCAFFOLD_DEB_DIR"), prefix, path, cap) || !find_deb("/var/cache/apt/archives", prefix, path, cap)) {
        if (log) fprintf(log, "  using %s\n", path);
        return 0;
    }
    if (apt_download(pin, tmpdir, log, err)) return -1;
    if (find_deb(tmpdir, prefix, path, cap))
        return sc_errf(err, "apt-get download %s left no %s*.deb in %s", pin, prefix, tmpdir);
    return 0;
}

int sc_deb_data_tar(const char *deb, const char *tmpdir, char **tar, size_t *len, sc_err *err) {
    char out[4200];
    snprintf(out, sizeof out, "%s/data.tar", tmpdir);
    char *argv[] = {"dpkg-deb", "--fsys-tarfile", (char *)deb, NULL};
    int rc = run(argv, NULL, out, err);
    if (rc) sc_err_prefix(err, "%s: not a readable Debian package", deb);
    else rc = sc_read_file_as(out, "raw", tar, len, err);
    unlink(out);
    return rc;
}
