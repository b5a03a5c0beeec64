/* Shared by the software-VE tests: where the test VE library is, and how to
 * see which rashm-ve helpers exist. */
#ifndef RASHM_VEO_TEST_H
#define RASHM_VEO_TEST_H

#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <ve_offload.h>

#include "check.h"

#ifndef VE_TESTLIB
#error "VE_TESTLIB (path of the test VE library) must be defined"
#endif

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 1 if process pid exists and is a rashm-ve helper (zombies included). */
static inline int is_helper(pid_t pid)
{
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (!fgets(comm, sizeof comm, f))
        comm[0] = 0;
    fclose(f);
    return strcmp(comm, "rashm-ve\n") == 0;
}

/* Number of rashm-ve processes whose parent is `parent` (0: any). */
static inline int count_helpers(pid_t parent)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        char path[300], buf[512];
        int pid = atoi(e->d_name);
        if (pid <= 0 || !is_helper(pid))
            continue;
        if (parent) {
            snprintf(path, sizeof path, "/proc/%d/stat", pid);
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            size_t k = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[k] = 0;
            char *rp = strrchr(buf, ')');
            int ppid = 0;
            if (!rp || sscanf(rp + 2, "%*c %d", &ppid) != 1 || ppid != parent)
                continue;
        }
        n++;
    }
    closedir(d);
    return n;
}

/* 1 if pid is a rashm-ve helper that has not exited (a zombie has). */
static inline int helper_running(pid_t pid)
{
    char path[64], buf[512];
    if (!is_helper(pid))
        return 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[k] = 0;
    char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

/* Waits up to `secs` for pid to stop running (exited: zombie or reaped). */
static inline int wait_gone(pid_t pid, double secs)
{
    double t0 = now_s();
    while (helper_running(pid)) {
        if (now_s() - t0 > secs)
            return 0;
        usleep(10000);
    }
    return 1;
}

static inline uint64_t sym(struct veo_proc_handle *h, uint64_t lib, const char *name)
{
    uint64_t a = veo_get_sym(h, lib, name);
    if (!a)
        fprintf(stderr, "symbol %s not found\n", name);
    return a;
}

#endif
