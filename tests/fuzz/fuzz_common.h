/* Shared set-up of the rashm fuzz targets: a private IPC namespace (so
 * every segment a run creates dies with the process, and /proc/sysvipc/shm
 * shows only ours) and a private, empty registry on a tmpfs that exists
 * only in this process's mount namespace (nothing is left on the machine
 * whatever way the fuzzer exits). Needs root. */
#ifndef RASHM_FUZZ_COMMON_H
#define RASHM_FUZZ_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the registry of a fuzz run lives (inside the private tmpfs). */
#define FUZZ_SHM_MOUNT "/dev/shm"
#define FUZZ_REGISTRY_DIR FUZZ_SHM_MOUNT "/rashm-fuzz-registry"

static inline void fuzz_die(const char *what)
{
    fprintf(stderr, "fuzz set-up: %s: %s\n", what, strerror(errno));
    abort();
}

/* Exit code 77 (ctest: skipped) when not root: the private namespaces and
 * the registry layout of root are what the targets are written for. */
static inline void fuzz_isolate(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "fuzz set-up: needs root (private IPC and mount namespaces)\n");
        exit(77);
    }
    if (unshare(CLONE_NEWIPC | CLONE_NEWNS))
        fuzz_die("unshare(CLONE_NEWIPC | CLONE_NEWNS)");
    /* our mounts must not propagate back to the machine */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
        fuzz_die("mount --make-rprivate /");
    if (mount("rashm-fuzz", FUZZ_SHM_MOUNT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m"))
        fuzz_die("mount tmpfs on " FUZZ_SHM_MOUNT);
    /* the registry's top directory as root would have it: root's, sticky */
    if (mkdir(FUZZ_REGISTRY_DIR, 01777) || chmod(FUZZ_REGISTRY_DIR, 01777))
        fuzz_die("mkdir " FUZZ_REGISTRY_DIR);
    setenv("RASHM_REGISTRY_DIR", FUZZ_REGISTRY_DIR, 1);
    unsetenv("RASHM_TOPOLOGY_SYNTHETIC");
    unsetenv("RASHM_TOPOLOGY_XML");
    unsetenv("RASHM_DEBUG");
}

/* Little-endian loads from fuzz input (any alignment). */
static inline uint64_t fuzz_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t fuzz_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* A cursor over the input for the targets that read it as a program. */
struct fuzz_in {
    const uint8_t *p;
    size_t n;
};

static inline uint8_t fuzz_byte(struct fuzz_in *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint32_t fuzz_word(struct fuzz_in *in)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)fuzz_byte(in) << (8 * i);
    return v;
}

static inline uint64_t fuzz_quad(struct fuzz_in *in)
{
    uint64_t lo = fuzz_word(in);
    return lo | (uint64_t)fuzz_word(in) << 32;
}

#endif
