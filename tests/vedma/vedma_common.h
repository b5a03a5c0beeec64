/* Helpers shared by the vedma end-to-end tests. */
#ifndef VEDMA_COMMON_H
#define VEDMA_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ve_offload.h"
#include "veo_vedma.h"
#include "veo_vhveshm.h"

#define MB (1ULL << 20)

/* A key no other test uses: test-specific tag, pid, counter. */
static inline key_t vt_key(int tag)
{
    static int n;
    return (key_t)(0x7e000000 | ((tag & 0xf) << 20) | ((getpid() & 0xfff) << 8) | (n++ & 0xff));
}

/* A fresh huge-page segment (exits 77 when huge pages are missing). */
static inline int vt_hugeseg(key_t key, size_t size, int mode)
{
    int id = shmget(key, size, IPC_CREAT | IPC_EXCL | SHM_HUGETLB | mode);
    if (id < 0) {
        fprintf(stderr, "cannot create a huge-page segment: %s\n", strerror(errno));
        exit(TEST_SKIP);
    }
    return id;
}

static inline int vt_nattch(int id)
{
    struct shmid_ds ds;
    return shmctl(id, IPC_STAT, &ds) == 0 ? (int)ds.shm_nattch : -1;
}

static inline struct veo_proc_handle *vt_proc(void)
{
    struct veo_proc_handle *h = veo_proc_create(0);
    if (!h) {
        fprintf(stderr, "veo_proc_create: %s\n", strerror(errno));
        exit(1);
    }
    return h;
}

/* Address of a function of the tests' VE library in h. */
static inline uint64_t vt_sym(struct veo_proc_handle *h, const char *name)
{
    static uint64_t lib;
    static struct veo_proc_handle *libh;
    if (libh != h) {
        lib = veo_load_library(h, VEDMA_TEST_VE_LIB);
        libh = h;
    }
    uint64_t s = lib ? veo_get_sym(h, lib, name) : 0;
    if (!s) {
        fprintf(stderr, "cannot find %s in %s\n", name, VEDMA_TEST_VE_LIB);
        exit(1);
    }
    return s;
}

/* Is pid a live (not zombie) rashm-ve process? */
static inline int vt_helper_alive(pid_t pid)
{
    char path[64], buf[512];
    int alive = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (fgets(buf, sizeof buf, f)) {
        char *rp = strrchr(buf, ')');
        alive = rp && strstr(buf, "(rashm-ve)") && rp[2] != 'Z';
    }
    fclose(f);
    return alive;
}

/* The OS pid of h's VE process (through an hmem pointer). */
static inline pid_t vt_helper_pid(struct veo_proc_handle *h)
{
    void *hm;
    pid_t pid = -1;
    if (veo_alloc_hmem(h, &hm, 4096) == 0) {
        pid = veo_get_pid_from_hmem(hm);
        veo_free_hmem(hm);
    }
    return pid;
}

/* rashm-ve processes (zombies included) whose parent is this process */
static inline int vt_helpers_of_mine(void)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d))) {
        char path[300], buf[512];
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(buf, sizeof buf, f)) {
            char *rp = strrchr(buf, ')');
            int ppid = 0;
            if (rp && strstr(buf, "(rashm-ve)") && sscanf(rp + 2, "%*c %d", &ppid) == 1 &&
                ppid == (int)getpid())
                n++;
        }
        fclose(f);
    }
    if (d)
        closedir(d);
    return n;
}

#endif
