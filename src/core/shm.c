/* System calls on SysV segments made by the core itself (never through
 * librashm's exported shmat/shmctl interposers), and what the kernel says
 * about a mapping: its page size and bounds, the identity of the shm file
 * behind it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"

void *seg_shmat_raw(int shmid, const void *addr, int shmflg)
{
    /* syscall, not libc's shmat: librashm exports its own shmat */
    long r = syscall(SYS_shmat, shmid, addr, shmflg);
    return r == -1 ? (void *)-1 : (void *)r;
}

int seg_shmdt_raw(const void *addr)
{
    return (int)syscall(SYS_shmdt, addr);
}

/* The /proc/self/map_files name of the mapping of a fresh attach at addr:
 * "start-end" of its VMA. The end is the segment size rounded up to the page
 * size, so the likely names are tried first (a missing entry is a cheap
 * ENOENT); /proc/self/maps, which costs far more to generate, is the
 * fallback for anything else (other huge page sizes, a merged VMA). */
static int mapping_files_path(const void *addr, size_t segsz, char *path, size_t len)
{
    static const size_t steps[] = {4096, 2u << 20};
    uint64_t lo = (uint64_t)(uintptr_t)addr;
    struct stat st;
    for (size_t i = 0; segsz && i < sizeof steps / sizeof steps[0]; i++) {
        uint64_t hi = lo + ((segsz + steps[i] - 1) & ~(steps[i] - 1));
        if (rcom_map_files_name(0, lo, hi, path, len) == 0 && lstat(path, &st) == 0)
            return 0;
    }
    struct rcom_vma v;
    int rc = rcom_vma_find(0, lo, 0, &v);
    if (rc)
        return rc;
    if (v.start != lo)
        return -ENOENT;
    return rcom_map_files_name(0, v.start, v.end, path, len);
}

int seg_mapping_birth(const void *addr, size_t segsz, uint64_t *birth)
{
    /* Identity of the shm file behind a mapping, through its
     * /proc/self/map_files entry (needs CAP_CHECKPOINT_RESTORE or
     * CAP_SYS_ADMIN). Inode numbers are useless (the kernel sets them to
     * the shm id) and file times tick with the coarse clock (a jiffy), so:
     *  - shmem (4 KiB): the random generation number every tmpfs inode gets,
     *    from its file handle, with the creation time;
     *  - hugetlbfs (no file handles): the creation time (ctime, which
     *    nothing changes afterwards) - one-tick resolution. */
    char path[96];
    int rc = mapping_files_path(addr, segsz, path, sizeof path);
    if (rc)
        return rc;
    struct statx sx;
    if (statx(AT_FDCWD, path, 0, STATX_BTIME | STATX_CTIME, &sx))
        return -errno;
    const struct statx_timestamp *ts = (sx.stx_mask & STATX_BTIME) ? &sx.stx_btime : &sx.stx_ctime;
    uint64_t id = (uint64_t)ts->tv_sec * 1000000000u + ts->tv_nsec;
    union {
        struct file_handle fh;
        char buf[sizeof(struct file_handle) + 64];
    } h;
    int mnt;
    h.fh.handle_bytes = 64;
    if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, AT_SYMLINK_FOLLOW) == 0 && h.fh.handle_bytes >= 4) {
        uint32_t gen;
        memcpy(&gen, h.fh.f_handle, sizeof gen);
        id = (uint64_t)gen << 32 ^ (id & 0xffffffffu);
    }
    *birth = id ? id : 1;
    return 0;
}

int seg_mapping_info(const void *addr, struct seg_map_info *out)
{
    /* src/common's reader: PROCMAP_QUERY (one VMA with the kernel's page
     * size) where the kernel has it, smaps KernelPageSize otherwise */
    struct rcom_vma v;
    int rc = rcom_vma_find(0, (uint64_t)(uintptr_t)addr, 1, &v);
    if (rc)
        return rc;
    struct seg_map_info m;
    memset(&m, 0, sizeof m);
    m.page_size = v.page_size;
    m.start = v.start;
    m.length = v.end - v.start;
    uint64_t base = (uint64_t)sysconf(_SC_PAGESIZE);
    if (!m.page_size || (m.page_size & (m.page_size - 1)) || m.page_size < base || !m.length ||
        m.length % m.page_size)
        return -EIO;       /* not what the kernel reports for a mapping */
    m.hugetlb = m.page_size != base;
    *out = m;
    return 0;
}

/* libc's shmctl: every internal call goes here, never through the
 * interposer librashm exports (interpose.c). */
int seg_shmctl_raw(int shmid, int cmd, struct shmid_ds *buf)
{
    typedef int (*shmctl_fn)(int, int, struct shmid_ds *);
    static shmctl_fn real;     /* resolved once; racing threads store the same value */
    shmctl_fn f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
    if (!f) {
        f = (shmctl_fn)dlsym(RTLD_NEXT, "shmctl");
        if (!f) {
            errno = ENOSYS;
            return -1;
        }
        __atomic_store_n(&real, f, __ATOMIC_RELEASE);
    }
    return f(shmid, cmd, buf);
}


int rashm_mapping_info(const void *addr, struct rashm_mapping_info *out)
{
    if (!out)
        return rashm_fail(-EINVAL);
    struct seg_map_info mi;
    int rc = seg_mapping_info(addr, &mi);
    if (rc)
        return rashm_fail(rc == -ENOENT ? -ENOMEM : rc);
    memset(out, 0, sizeof *out);
    out->start = mi.start;
    out->length = mi.length;
    out->page_size = mi.page_size;
    out->hugetlb = mi.hugetlb;
    return 0;
}
