/* R_FILDES: a file's memory, attached through an open descriptor.
 *
 * Linux keeps a memory policy for the pages of a shmem file (tmpfs, memfd,
 * /dev/shm): mbind on a MAP_SHARED mapping of such a file sets the file's
 * shared policy, which stays with the file after the mapping is gone and
 * applies to every later page of it, whoever faults it in. So an
 * attachment maps the file (aix_fildes_map), ra.c applies the rset with
 * its R_SUBRANGE code, and unmaps; ra_get_attachinfo reads the shared policy back the same way,
 * from the kernel (so it answers for attachments made by other processes
 * too). Page-cache files of other file systems take no policy from mbind:
 * they are refused with ENOTSUP. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "aix.h"

struct fmap {
    void *base;
    size_t len;      /* whole pages */
    uint64_t size;   /* file size */
};

/* Maps the whole file shared, after IBM's checks: an open descriptor
 * (EBADF), a regular file (EINVAL), on tmpfs (ENOTSUP), and for `write`
 * (attach/detach) a descriptor open for writing or the file's owner
 * (EPERM). */
static int fmap_open(int fd, int write, struct fmap *m)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st))
        return -EBADF;
    if (!S_ISREG(st.st_mode) || st.st_size <= 0)
        return -EINVAL;
    struct statfs sf;
    if (fstatfs(fd, &sf) || sf.f_type != TMPFS_MAGIC)
        return -ENOTSUP;
    int acc = fcntl(fd, F_GETFL);
    if (acc < 0)
        return -EBADF;
    acc &= O_ACCMODE;
    if (write && acc == O_RDONLY && geteuid() != 0 && st.st_uid != geteuid())
        return -EPERM;
    if (acc == O_WRONLY)
        return -EBADF;   /* a mapping needs a readable descriptor */
    long pg = sysconf(_SC_PAGESIZE);
    m->size = (uint64_t)st.st_size;
    m->len = (size_t)((m->size + (uint64_t)pg - 1) / (uint64_t)pg * (uint64_t)pg);
    m->base = mmap(NULL, m->len, PROT_READ, MAP_SHARED, fd, 0);
    if (m->base == MAP_FAILED)
        return -errno;
    return 0;
}

int aix_fildes_map(int fd, void **base, size_t *len)
{
    struct fmap m;
    int rc = fmap_open(fd, 1, &m);
    if (rc)
        return rc;
    *base = m.base;
    *len = m.len;
    return 0;
}

attachinfo_t *aix_fildes_attachinfo(int fd, off64_t off, size64_t len, uint_t flags)
{
    struct fmap m;
    int rc = flags ? -EINVAL : fmap_open(fd, 0, &m);
    if (!rc && (off < 0 || (uint64_t)off >= m.size || (len && len > m.size - (uint64_t)off))) {
        munmap(m.base, m.len);
        rc = -EINVAL;
    }
    if (rc) {
        errno = -rc;
        return (attachinfo_t *)-1;
    }
    if (!len)
        len = m.size - (uint64_t)off;
    rsid_t self;
    self.at_pid = RS_MYSELF;
    attachinfo_t *ai = aix_attachinfo_procmem(self, (off64_t)((uintptr_t)m.base + (uint64_t)off), len, 0);
    int e = errno;
    munmap(m.base, m.len);
    errno = e;
    return ai;
}
