/* VE-VE shared memory (VESHM), the VE process's part: the calls of
 * RVE_VECALL_LIST (src/proto/rve_proto.h) that librashm-veo runs on the
 * main context of the owner (open) and of the attacher (attach, detach).
 *
 * VE memory is a memfd mapped shared at the VE node's fixed address
 * (src/ve/helper/memory.c), so two VE processes can share pages for real:
 * the attacher maps the owner's memfd range over a range of its own VE
 * memory (MAP_FIXED), and every load and store of either process goes to
 * the same pages. The attacher reaches the owner's memfd through
 * /proc/<owner>/fd/<n> (same user: the kernel's ptrace-read check), so no
 * descriptor has to travel through the VH. Detaching maps the attacher's
 * own memfd back at that address (its own pages were never freed).
 *
 * What the owner reports (pid, fd, offset) comes from another VE process,
 * which VE code may have corrupted: the attacher checks that the descriptor
 * is a regular file that holds the whole range, and maps it only at an
 * address inside its own VE memory the VH allocated for it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "procfs.h"
#include "rt.h"
#include "rve_proto.h"

/* What [lo, hi) maps: 0 and the shared object (dev, ino) and the object
 * offset of lo, when it is one writable shared mapping of one object at
 * consecutive offsets; -EINVAL (a hole), -ENOMEM (not one piece of one
 * shared object), -EACCES (mapped, one piece, but not writable). VEOS
 * checks the page mode (ENOMEM) before the permission (EACCES); so here. */
struct object_arg {
    uint64_t lo;
    dev_t *dev;
    ino_t *ino;
    uint64_t *off;
    int ro, bad, first;
};

static int object_piece(const struct rcom_vma *v, uint64_t cur, void *p)
{
    struct object_arg *o = p;
    dev_t dev = makedev(v->dev_major, v->dev_minor);
    uint64_t here = v->offset + (cur - v->start);
    if (v->perms[1] != 'w')
        o->ro = 1;
    if (v->perms[3] != 's' || !v->inode)
        o->bad = 1;
    else if (o->first) {
        *o->dev = dev;
        *o->ino = (ino_t)v->inode;
        *o->off = here;
    } else if (*o->dev != dev || *o->ino != (ino_t)v->inode || *o->off + (cur - o->lo) != here)
        o->bad = 1;
    o->first = 0;
    return 0;
}

static int range_object(uint64_t lo, uint64_t hi, dev_t *dev, ino_t *ino, uint64_t *off)
{
    struct object_arg o = { lo, dev, ino, off, 0, 0, 1 };
    int rc = rcom_vma_span(0, lo, hi, object_piece, &o);
    if (rc)
        return rc < 0 ? rc : -EINVAL;   /* 1: a hole */
    return o.bad ? -ENOMEM : o.ro ? -EACCES : 0;
}

/* A descriptor of this process open on (dev, ino), or -ENOENT. */
static int find_fd(dev_t dev, ino_t ino)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int found = -ENOENT;
    if (!d)
        return -errno;
    while ((e = readdir(d))) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        struct stat st;
        if (end == e->d_name || *end || fd == dirfd(d))
            continue;
        if (fstat((int)fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == dev &&
            st.st_ino == ino) {
            found = (int)fd;
            break;
        }
    }
    closedir(d);
    return found;
}

RASHM_VE_API int64_t rashm_ve_call_veshm_open(uint64_t vemva, uint64_t size, uint64_t *off_out)
{
    dev_t dev;
    ino_t ino;
    uint64_t off;
    int rc, fd;
    if (!off_out)
        return -EINVAL;
    *off_out = 0;
    if (!vemva || !size || vemva + size < vemva)
        return -EINVAL;
    if ((rc = range_object(vemva, vemva + size, &dev, &ino, &off)))
        return rc;
    fd = find_fd(dev, ino);
    if (fd < 0)
        return -ENOMEM; /* not VE memory this process can share */
    *off_out = off;
    return ((int64_t)getpid() << 32) | fd;
}

/* ---- attachments of this process ----------------------------------------- */
struct att {
    uint64_t addr, size;
    uint64_t hmem;    /* the same range in the hmem window, or 0 */
    int own_fd;       /* the own VE memory's object, to map back at detach */
    uint64_t own_off;
};

#define MAX_ATT 256
static struct att atts[MAX_ATT];
static int natts;
static pthread_mutex_t att_lock = PTHREAD_MUTEX_INITIALIZER;

static int map_back(const struct att *a)
{
    void *p = mmap((void *)(uintptr_t)a->addr, a->size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, a->own_fd, (off_t)a->own_off);
    if (p == MAP_FAILED)
        return -errno;
    if (a->hmem) {
        p = mmap((void *)(uintptr_t)a->hmem, a->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
                 a->own_fd, (off_t)a->own_off);
        if (p == MAP_FAILED)
            return -errno;
    }
    return 0;
}

/* The attached range appears at addr and, so that VE code may use the hmem
 * pointer it is handed (src/proto/rve_proto.h), at hmem too. The VH names
 * hmem; it is used only where it holds the same pages of this process's own
 * VE memory as addr (its second mapping), so a wrong value cannot make us
 * map over anything else. */
RASHM_VE_API int64_t rashm_ve_call_veshm_attach(uint64_t src, uint64_t off, uint64_t addr,
                                                uint64_t size, int64_t ro, uint64_t hmem)
{
    char path[64];
    struct att a = {addr, size, 0, -1, 0};
    struct stat st;
    dev_t dev;
    ino_t ino;
    int rc, fd = -1, own;
    long pg = sysconf(_SC_PAGESIZE);

    if (!addr || !size || addr % (uint64_t)pg || size % (uint64_t)pg || off % (uint64_t)pg ||
        addr + size < addr)
        return -EINVAL;
    pthread_mutex_lock(&att_lock);
    if (natts == MAX_ATT) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < natts; i++) {
        if (addr < atts[i].addr + atts[i].size && atts[i].addr < addr + size) {
            rc = -EINVAL; /* the VH never hands out one range twice */
            goto out;
        }
    }
    /* The range must be own VE memory: one shared object (the memfd). */
    if ((rc = range_object(addr, addr + size, &dev, &ino, &a.own_off)))
        goto out;
    if ((own = find_fd(dev, ino)) < 0) {
        rc = -ENOMEM;
        goto out;
    }
    if ((a.own_fd = fcntl(own, F_DUPFD_CLOEXEC, 0)) < 0) {
        rc = -errno;
        goto out;
    }
    if (hmem && rve_hmem_is(hmem) && rve_hmem_to_ve(hmem) == addr && hmem + size > hmem) {
        dev_t hdev;
        ino_t hino;
        uint64_t hoff;
        if (range_object(hmem, hmem + size, &hdev, &hino, &hoff) == 0 && hdev == dev && hino == ino &&
            hoff == a.own_off)
            a.hmem = hmem;
    }
    snprintf(path, sizeof path, "/proc/%u/fd/%u", (unsigned)(src >> 32),
             (unsigned)(src & 0xffffffffu));
    fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        rc = errno == ENOENT ? -ESRCH : -errno; /* the owner is gone */
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < off ||
        (uint64_t)st.st_size - off < size) {
        rc = -EINVAL;
        goto out;
    }
    void *p = mmap((void *)(uintptr_t)addr, size, ro ? PROT_READ : PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, fd, (off_t)off);
    if (p != MAP_FAILED && a.hmem)
        p = mmap((void *)(uintptr_t)a.hmem, size, ro ? PROT_READ : PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_FIXED, fd, (off_t)off);
    if (p == MAP_FAILED) {
        rc = -ENOMEM;
        map_back(&a); /* a failed MAP_FIXED may have left a hole */
        goto out;
    }
    atts[natts++] = a;
    a.own_fd = -1;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (a.own_fd >= 0)
        close(a.own_fd);
    pthread_mutex_unlock(&att_lock);
    return rc;
}

RASHM_VE_API int64_t rashm_ve_call_veshm_detach(uint64_t addr)
{
    int rc = -EINVAL;
    pthread_mutex_lock(&att_lock);
    for (int i = 0; i < natts; i++) {
        if (atts[i].addr != addr)
            continue;
        rc = map_back(&atts[i]);
        if (rc == 0) {
            close(atts[i].own_fd);
            atts[i] = atts[--natts];
        }
        break;
    }
    pthread_mutex_unlock(&att_lock);
    return rc;
}

/* ---- VE_REGISTER_VEHVA: another VE process's memory in this DMAATB --------
 * RPCs served where the DMAATB lives (the device process). The owner's
 * range is mapped here and registered as ATB_VESHM, so DMAs and host-memory
 * loads and stores of VE code reach it through the VEHVA; VE code cannot
 * drop such a registration (ve_unregister_mem_from_dmaatb only drops
 * ATB_VEMEM ones). */
struct reg {
    uint64_t vehva, size;
    void *host;
};

static struct reg regs[MAX_ATT];
static int nregs;

RASHM_VE_API int64_t rashm_ve_rpc_veshm_reg(uint64_t src, uint64_t off, uint64_t size_ro)
{
    char path[64];
    struct stat st;
    uint64_t size = size_ro & ~1ull, vehva;
    int ro = (int)(size_ro & 1), fd, rc;
    void *p;

    if (rashm_rt.client)
        return -EPERM; /* VE code's process has no DMAATB of its own */
    if ((rc = rt_ensure()))
        return rc;
    /* the PCIATB page: what VE_REGISTER_PCI areas are aligned to */
    if (!size || size % PG_64M || off % PG_64M)
        return -EINVAL;
    pthread_mutex_lock(&att_lock);
    if (nregs == MAX_ATT) {
        rc = -ENOMEM;
        goto out;
    }
    snprintf(path, sizeof path, "/proc/%u/fd/%u", (unsigned)(src >> 32),
             (unsigned)(src & 0xffffffffu));
    fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        rc = errno == ENOENT ? -ESRCH : -errno;
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < off ||
        (uint64_t)st.st_size - off < size) {
        close(fd);
        rc = -EINVAL;
        goto out;
    }
    p = mmap(NULL, size, ro ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
    close(fd);
    if (p == MAP_FAILED) {
        rc = -ENOMEM;
        goto out;
    }
    struct atb_backing back = {(uint64_t)st.st_dev, (uint64_t)st.st_ino, off, 0};
    rc = dmaatb_register(rashm_rt.atb, p, size, PG_64M, ATB_VESHM, ro, &back, &vehva);
    if (rc) {
        munmap(p, size);
        goto out;
    }
    regs[nregs++] = (struct reg){vehva, size, p};
out:
    pthread_mutex_unlock(&att_lock);
    return rc ? rc : (int64_t)vehva;
}

RASHM_VE_API int64_t rashm_ve_rpc_veshm_unreg(uint64_t vehva)
{
    int rc = -EINVAL;
    if (rashm_rt.client)
        return -EPERM;
    pthread_mutex_lock(&att_lock);
    for (int i = 0; i < nregs; i++) {
        if (regs[i].vehva != vehva)
            continue;
        /* no transfer runs on the entry once it is gone: then unmap */
        rc = dmaatb_unregister(rashm_rt.atb, vehva, ATB_VESHM);
        if (rc == 0) {
            munmap(regs[i].host, regs[i].size);
            regs[i] = regs[--nregs];
        }
        break;
    }
    pthread_mutex_unlock(&att_lock);
    return rc;
}
