/* Helpers for the registry attack tests (host.sec.registry_*, killed
 * creators, pruning, id reuse). Each test:
 *   - runs as root in its own IPC namespace (unshare(CLONE_NEWIPC)), so the
 *     segments it sees and counts are its own and kernel.shm_next_id is its
 *     own to set;
 *   - uses its own registry: a fresh root-owned directory under /dev/shm
 *     (tmpfs, like the default registry) named in RASHM_REGISTRY_DIR;
 *   - plays the attacker as user nobody (65534) in forked children. */
#ifndef RASHM_TEST_SEC_H
#define RASHM_TEST_SEC_H

#include "check.h"
#include "host.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#define NOBODY 65534

/* The test's scratch directory (root 0755) and its registry (root 1777,
 * as the tmpfiles.d entry makes it). */
static char sec_base[64];
static char sec_reg[96];

static inline int sec_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p) && errno != ENOENT ? -1 : 0;
}

static inline void sec_cleanup(void)
{
    if (sec_base[0])
        nftw(sec_base, sec_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Root, own IPC namespace, own registry; exits 77 when that cannot be had. */
static inline void sec_isolate(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "skip: needs root (own IPC namespace, user nobody)\n");
        exit(TEST_SKIP);
    }
    if (unshare(CLONE_NEWIPC)) {
        fprintf(stderr, "skip: unshare(CLONE_NEWIPC): %s\n", strerror(errno));
        exit(TEST_SKIP);
    }
    snprintf(sec_base, sizeof sec_base, "/dev/shm/rashm-sec.XXXXXX");
    if (!mkdtemp(sec_base)) {
        perror("mkdtemp");
        exit(1);
    }
    chmod(sec_base, 0755);
    snprintf(sec_reg, sizeof sec_reg, "%s/reg", sec_base);
    if (mkdir(sec_reg, 01777) || chmod(sec_reg, 01777)) {
        perror("mkdir registry");
        exit(1);
    }
    setenv("RASHM_REGISTRY_DIR", sec_reg, 1);
    atexit(sec_cleanup);
}

/* Becomes uid (and gid) with no supplementary groups; 0 or -1. */
static inline int sec_become(uid_t uid)
{
    if (setgroups(0, NULL) || setgid((gid_t)uid) || setuid(uid))
        return -1;
    return geteuid() == uid ? 0 : -1;
}

struct sec_as {
    uid_t uid;
    int (*fn)(void *);
    void *arg;
};

static inline int sec_as_child(void *p)
{
    struct sec_as *a = p;
    if (sec_become(a->uid)) {
        perror("setuid");
        return 99;
    }
    return a->fn(a->arg);
}

/* Runs fn(arg) as uid in a child; its exit status. */
static inline int sec_run_as(uid_t uid, int (*fn)(void *), void *arg)
{
    struct sec_as a = {uid, fn, arg};
    return in_child(sec_as_child, &a);
}

/* Number of directory entries (not . and ..) in path; -1 if unreadable. */
static inline int sec_count(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

/* Segments in this IPC namespace (all of them are the test's). */
static inline int sec_segments(void)
{
    char line[512];
    int n = 0;
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    if (!f)
        return -1;
    if (fgets(line, sizeof line, f))
        while (fgets(line, sizeof line, f))
            n++;
    fclose(f);
    return n;
}

/* Makes the next segment created in this namespace get `id`. */
static inline int sec_set_next_id(int id)
{
    FILE *f = fopen("/proc/sys/kernel/shm_next_id", "w");
    if (!f)
        return -1;
    int ok = fprintf(f, "%d\n", id) > 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* IPC_RMID without librashm's shmctl (which would delete the entry too). */
static inline int sec_rmid_raw(int id)
{
    return (int)syscall(SYS_shmctl, id, IPC_RMID, NULL);
}

static inline int sec_ipc_set_raw(int id, struct shmid_ds *ds)
{
    return (int)syscall(SYS_shmctl, id, IPC_SET, ds);
}

static inline void sec_next_second(void)
{
    time_t t0 = time(NULL);
    while (time(NULL) == t0)
        usleep(5000);
}

/* Writes a small file (root's victim) and returns 0. */
static inline int sec_write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* 1 if path is a regular file holding exactly `text`. */
static inline int sec_file_is(const char *path, const char *text)
{
    char buf[256];
    struct stat st;
    if (lstat(path, &st) || !S_ISREG(st.st_mode))
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0)
        return 0;
    buf[n] = 0;
    return strcmp(buf, text) == 0;
}

#endif
