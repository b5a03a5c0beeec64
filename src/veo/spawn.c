/* Finding, starting and reaping the rashm-ve helper of a VE process. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "veo_internal.h"

#ifndef RASHM_VE_HELPER_INSTALLED
#define RASHM_VE_HELPER_INSTALLED "/usr/local/libexec/rashm/rashm-ve"
#endif
#ifndef RASHM_VE_LIB_TO_HELPER
#define RASHM_VE_LIB_TO_HELPER "../libexec/rashm"
#endif

#define EXIT_TIMEOUT_MS 3000

extern char **environ;

/* The helper: $RASHM_VE_HELPER, else relative to this library (an installed
 * copy, under whatever prefix: <libdir>/RASHM_VE_LIB_TO_HELPER; the build
 * tree: <build>/lib/../bin), else the path it was installed to. A privileged (AT_SECURE) process never sees the
 * variable and runs only a helper nobody but root can have put there. */
static int helper_ok(const char *path)
{
    if (access(path, X_OK) != 0)
        return 0;
    return !veo_i_secure() || veo_i_trusted_file(path) == 0;
}

int veo_i_find_helper(char *out, size_t len)
{
    const char *env = secure_getenv("RASHM_VE_HELPER");
    Dl_info info;
    if (env && *env) {
        if (access(env, X_OK) != 0)
            return -ENOENT;
        snprintf(out, len, "%s", env);
        return 0;
    }
    if (dladdr((void *)&veo_i_find_helper, &info) && info.dli_fname) {
        /* the library's own directory, links resolved: a program built
         * against NEC's libveo reaches this library through a link named
         * libveo.so.1, possibly in another directory (where NEC's was) */
        char dir[PATH_MAX];
        if (!realpath(info.dli_fname, dir))
            snprintf(dir, sizeof dir, "%s", info.dli_fname);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = 0;
            int n = snprintf(out, len, "%s/%s/rashm-ve", dir, RASHM_VE_LIB_TO_HELPER);
            if (n > 0 && (size_t)n < len && helper_ok(out))
                return 0;
            n = snprintf(out, len, "%s/../bin/rashm-ve", dir);
            if (n > 0 && (size_t)n < len && helper_ok(out))
                return 0;
        }
    }
    snprintf(out, len, "%s", RASHM_VE_HELPER_INSTALLED);
    return helper_ok(out) ? 0 : -ENOENT;
}

int veo_i_spawn_helper(const char *path, int chan_child, int memfd, int dev_child, int vemem_fd,
                       pid_t *pid)
{
    char **env; /* made before fork: the child of a threaded VH may not allocate */
    int rc = veo_i_ve_environ(&env);
    if (rc < 0)
        return rc;
    pid_t p = fork();
    if (p < 0) {
        rc = -errno;
        free(env);
        return rc;
    }
    if (p == 0) {
        /* Child: move the fds to 3, 4 and 5 (going through high numbers so
         * that none clobbers another), drop every other fd. */
        int c = fcntl(chan_child, F_DUPFD, 64);
        int m = fcntl(memfd, F_DUPFD, 64);
        int d = fcntl(dev_child, F_DUPFD, 64);
        int v = fcntl(vemem_fd, F_DUPFD, 64);
        if (c < 0 || m < 0 || d < 0 || v < 0 || dup2(c, RVE_CHAN_FD) < 0 ||
            dup2(m, RVE_SHM_FD) < 0 || dup2(d, RVE_DEV_FD) < 0 || dup2(v, RVE_MEM_FD) < 0)
            _exit(126);
        syscall(SYS_close_range, RVE_MEM_FD + 1, ~0u, 0);
        char *argv[] = {(char *)"rashm-ve", NULL};
        execve(path, argv, env);
        _exit(127);
    }
    free(env);
    *pid = p;
    return 0;
}

static int wait_exit(int pidfd, int timeout_ms)
{
    struct pollfd pf = {pidfd, POLLIN, 0};
    int r = poll(&pf, 1, timeout_ms);
    if (r <= 0)
        return -ETIMEDOUT;
    return 0;
}

void veo_i_reap(pid_t pid, int pidfd)
{
    if (wait_exit(pidfd, EXIT_TIMEOUT_MS) < 0)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}
