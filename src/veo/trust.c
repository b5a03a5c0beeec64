/* Which files a privileged process may run or load.
 *
 * A setuid/setgid/file-capability program (the kernel sets AT_SECURE in its
 * auxiliary vector) gets no RASHM_* variable (secure_getenv), so the helper
 * and the VE runtime library come from next to librashm-veo or from the
 * install path. Those paths come from dladdr, i.e. from wherever the loader
 * found the library, and the library may sit in a tree another user can
 * write to (a build directory, a home directory on a shared node). So a
 * secure process also checks what it is about to execute or load: the file
 * and every directory above it must belong to root or to the effective user
 * and be writable by nobody else, except sticky directories, where other
 * users cannot rename or remove entries they do not own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veo_internal.h"

int veo_i_secure(void)
{
    return getauxval(AT_SECURE) != 0;
}

static int owner_ok(const struct stat *st)
{
    return st->st_uid == 0 || st->st_uid == geteuid();
}

int veo_i_trusted_file(const char *path)
{
    char real[PATH_MAX], part[PATH_MAX];
    struct stat st;
    size_t n;

    if (!realpath(path, real))
        return -errno;
    n = strlen(real);
    /* every directory from / down to the file's own */
    for (size_t i = 1; i <= n; i++) {
        if (i < n && real[i] != '/')
            continue;
        if (i == n)
            break; /* the file itself, below */
        memcpy(part, real, i);
        part[i] = 0;
        if (lstat(i == 0 ? "/" : part, &st) < 0)
            return -errno;
        if (!S_ISDIR(st.st_mode) || !owner_ok(&st))
            return -EPERM;
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
            return -EPERM;
    }
    if (lstat("/", &st) < 0)
        return -errno;
    if (!owner_ok(&st) || (st.st_mode & (S_IWGRP | S_IWOTH)))
        return -EPERM;
    if (lstat(real, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode) || !owner_ok(&st) || (st.st_mode & (S_IWGRP | S_IWOTH)))
        return -EPERM;
    return 0;
}
