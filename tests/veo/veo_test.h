/* Shared by the software-VE tests: where the test VE library is, how to
 * see which rashm-ve helpers exist, and the setup most tests start with (a
 * VE process with a library loaded, a context, an argument list). Teardown
 * stays in each test: what it checks there is part of the test. */
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

/* ---- setup ---------------------------------------------------------------- */

/* A VE process on node with the library at lib_path loaded (NULL: none
 * loaded, the test loads its own) and, with with_ctx, a context and an
 * argument list. A step that fails is a failed check. 0, or -1 when there is
 * no process (the test then ends: return check_end()). */
struct veo_setup {
    struct veo_proc_handle *h;
    uint64_t lib;
    struct veo_thr_ctxt *c;
    struct veo_args *a;
};

static inline int veo_setup(struct veo_setup *s, int node, const char *lib_path, int with_ctx)
{
    memset(s, 0, sizeof *s);
    s->h = veo_proc_create(node);
    CHECK(s->h != NULL);
    if (!s->h)
        return -1;
    if (lib_path) {
        s->lib = veo_load_library(s->h, lib_path);
        CHECK(s->lib != 0);
    }
    if (with_ctx) {
        s->c = veo_context_open(s->h);
        s->a = veo_args_alloc();
        CHECK(s->c != NULL && s->a != NULL);
    }
    return 0;
}

/* A VE process for tests that run several (VESHM between processes): the
 * process, its library, and its pid and identifier as its hmem addresses
 * tell them. Exits the test when the process cannot be made. */
struct test_ve {
    struct veo_proc_handle *h;
    uint64_t lib;
    pid_t pid;
    int ident;
};

static inline struct test_ve test_ve_start(int node, const char *lib_path)
{
    struct veo_setup s;
    if (veo_setup(&s, node, lib_path, 0))
        exit(1);
    struct test_ve v = {s.h, s.lib, -1, -1};
    void *hm;
    CHECK_EQ(veo_alloc_hmem(v.h, &hm, 8), 0);
    v.pid = veo_get_pid_from_hmem(hm);
    v.ident = veo_get_proc_identifier_from_hmem(hm);
    veo_free_hmem(hm);
    return v;
}

/* The VEO_COMMAND_* state of a call on the main context (veo_call_sync
 * answers only 0 or -1, as AVEO's does). */
static inline int test_main_call(struct veo_proc_handle *h, uint64_t addr, struct veo_args *a, uint64_t *r)
{
    struct veo_thr_ctxt *c = veo_get_context(h, 0);
    if (!c)
        c = veo_context_open(h); /* the first one opened is the main context */
    uint64_t id = veo_call_async(c, addr, a);
    if (id == VEO_REQUEST_ID_INVALID)
        return -1;
    return veo_call_wait_result(c, id, r);
}

/* fn(a0, a1) of v's library on its main context: the state, the result in
 * *r (when r is not NULL). */
static inline int test_ve_call(struct test_ve *v, const char *fn, uint64_t a0, uint64_t a1, uint64_t *r)
{
    struct veo_args *a = veo_args_alloc();
    uint64_t x = 0;
    veo_args_set_u64(a, 0, a0);
    veo_args_set_u64(a, 1, a1);
    int st = test_main_call(v->h, sym(v->h, v->lib, fn), a, &x);
    veo_args_free(a);
    if (r)
        *r = x;
    return st;
}

/* The same, checked to complete (VEO_COMMAND_OK): the result. */
static inline uint64_t test_ve_ok(struct test_ve *v, const char *fn, uint64_t a0, uint64_t a1)
{
    uint64_t r = 0;
    CHECK_EQ(test_ve_call(v, fn, a0, a1, &r), VEO_COMMAND_OK);
    return r;
}

#endif
