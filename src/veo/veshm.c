/* <veo_veshm.h>: VE-VE shared memory (VESHM) on the VH side.
 *
 * On a card, VEOS and its IVED daemon keep the table of open areas and of
 * who attached what. Here every VE process that can name another belongs to
 * this VH process (a pid comes from veo_get_pid_from_hmem), so that table is
 * this file's, under one lock. The sharing itself happens in the VE
 * processes (src/ve/runtime/veshm.c): the owner reports which object and
 * offset back its range, the attacher maps that range over a range of its
 * own VE memory that this file allocates for it.
 *
 * Checks follow VEOS's order: the mode flags, the address and size, the
 * processes, then the table; a call that must run in a VE process first
 * needs the runtime there (ENOTSUP) and a live process (EBUSY), as AVEO's
 * system-call wrapper does. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dev.h"
#include "procfs.h"
#include "veo_internal.h"
#include "veo_veshm.h"

#define PG_2M (2ULL << 20)
#define PG_64M (64ULL << 20) /* the PCIATB page size of the software VE */

/* the flags that make an area's identity, besides owner, vemva, size, syncnum */
#define KEY_FLAGS (VE_SHM_RO | VE_PCISYNC | VE_REGISTER_PCI)

struct area {
    struct area *next;
    int owner_ident;
    pid_t owner_pid;
    uint64_t vemva, size;
    int syncnum;
    long long key;
    unsigned opens;   /* opens not closed yet; 0: closed, kept while attached */
    unsigned attached;
    uint64_t src, off; /* what the owner's VE process reported */
};

struct attach {
    struct attach *next;
    int user_ident;
    pid_t user_pid;
    struct area *a;
    uint64_t addr; /* VE address (VE_REGISTER_VEMVA) or VEHVA (VE_REGISTER_VEHVA) */
    unsigned refs;
    int vehva;     /* attached with VE_REGISTER_VEHVA */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct area *areas;
static struct attach *attaches;

/* h is still the process it was when recorded (a handle's slot is reused
 * after veo_proc_destroy) */
static struct veo_proc_handle *live(int ident, pid_t pid)
{
    struct veo_proc_handle *h = veo_i_proc_by_ident(ident);
    return h && h->pid == pid && !veo_i_dead(h) ? h : NULL;
}

/* Forgets attachments of processes that are gone (their mappings went with
 * them), and areas nobody needs any more. Lock held. */
static void prune(void)
{
    for (struct attach **pp = &attaches; *pp;) {
        struct attach *t = *pp;
        if (!live(t->user_ident, t->user_pid)) {
            t->a->attached--;
            *pp = t->next;
            free(t);
        } else {
            pp = &t->next;
        }
    }
    for (struct area **pp = &areas; *pp;) {
        struct area *a = *pp;
        if (!a->attached && (!a->opens || !live(a->owner_ident, a->owner_pid))) {
            *pp = a->next;
            free(a);
        } else {
            pp = &a->next;
        }
    }
}

static struct area *find_area(pid_t pid, uint64_t vemva, uint64_t size, int syncnum,
                              long long key)
{
    for (struct area *a = areas; a; a = a->next)
        if (a->opens && a->owner_pid == pid && a->vemva == vemva && a->size == size &&
            a->syncnum == syncnum && a->key == key)
            return a;
    return NULL;
}

/* VEOS's checks of an open's (and close's) mode and syncnum; the syncnum
 * that names the area (-1 without VE_PCISYNC). */
static int open_mode_ok(long long mode, int syncnum, int *keysync)
{
    if (mode & ~(long long)(VE_SHM_RO | VE_PCISYNC | VE_REGISTER_PCI | VE_REGISTER_NONE))
        return -EINVAL;
    if (!(mode & VE_REGISTER_PCI) == !(mode & VE_REGISTER_NONE))
        return -EINVAL;
    if ((mode & VE_REGISTER_NONE) && (mode & VE_PCISYNC))
        return -EINVAL;
    if (mode & VE_PCISYNC) {
        if (syncnum < 0 || syncnum > 3)
            return -EINVAL;
        *keysync = syncnum;
    } else {
        *keysync = -1;
    }
    return 0;
}

/* address, size and alignment of an owner's range, inside its VE memory */
static int range_ok(struct veo_proc_handle *h, uint64_t vemva, uint64_t size, long long mode)
{
    uint64_t pg = (mode & VE_REGISTER_PCI) ? PG_64M : PG_2M;
    if (!vemva || !size)
        return -EINVAL;
    if (vemva % pg || size % pg)
        return -EINVAL;
    if (vemva < h->mem.base || vemva - h->mem.base > h->mem.cap ||
        size > h->mem.cap - (vemva - h->mem.base))
        return -EINVAL;
    return 0;
}

/* Is pid the VE process of the helper dev (the process the VH started, or
 * its child that runs VE code)? The owner's answer comes from a process VE
 * code runs in; attachers only follow it to that process. */
static int owner_process(pid_t pid, pid_t dev)
{
    unsigned long long ppid;
    if (pid <= 0)
        return 0;
    if (pid == dev)
        return 1;
    /* field 4 of /proc/PID/stat: the parent (src/common's reader counts
       fields from the last ')', past a command name with spaces) */
    return rcom_proc_stat(pid, 4, 1, &ppid) == 0 && ppid == (unsigned long long)dev;
}

VEO_API int veo_shared_mem_open(void *vemva, size_t size, int syncnum, long long mode_flag)
{
    struct veo_proc_handle *h =
        veo_is_ve_addr(vemva) ? veo_get_proc_handle_from_hmem(vemva) : NULL;
    uint64_t va = (uint64_t)(uintptr_t)veo_get_hmem_addr(vemva), off = 0;
    int keysync = -1;
    int64_t src = 0;
    int rc;

    if (!h)
        rc = -EINVAL;
    else if (!(rc = veo_i_vecall_ready(h)) && !(rc = open_mode_ok(mode_flag, syncnum, &keysync)) &&
             !(rc = range_ok(h, va, size, mode_flag))) {
        int64_t args[2] = {(int64_t)va, (int64_t)size};
        src = veo_i_vecall(h, RVE_VECALL_VESHM_OPEN, args, &off);
        if (src < 0)
            rc = (int)src;
        else if (!owner_process((pid_t)(src >> 32), h->pid))
            rc = -ENOMEM; /* the answer does not name h's VE process */
    }
    if (rc == 0) {
        pthread_mutex_lock(&lock);
        prune();
        long long key = mode_flag & KEY_FLAGS;
        struct area *a = find_area(h->pid, va, size, keysync, key);
        if (a) {
            a->opens++; /* VEOS counts registrations of one area */
        } else if (!(a = calloc(1, sizeof *a))) {
            rc = -ENOMEM;
        } else {
            *a = (struct area){areas, h->ident, h->pid, va, size, keysync, key, 1, 0,
                               (uint64_t)src, off};
            areas = a;
        }
        pthread_mutex_unlock(&lock);
    }
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

VEO_API int veo_shared_mem_close(void *vemva, size_t size, int syncnum, long long mode_flag)
{
    struct veo_proc_handle *h =
        veo_is_ve_addr(vemva) ? veo_get_proc_handle_from_hmem(vemva) : NULL;
    uint64_t va = (uint64_t)(uintptr_t)veo_get_hmem_addr(vemva);
    int keysync = -1, rc;

    if (!h)
        rc = -EINVAL;
    else if (!(rc = veo_i_vecall_ready(h)) && !(rc = open_mode_ok(mode_flag, syncnum, &keysync))) {
        pthread_mutex_lock(&lock);
        prune();
        struct area *a = find_area(h->pid, va, size, keysync, mode_flag & KEY_FLAGS);
        if (!a)
            rc = -EINVAL;
        else if (--a->opens == 0)
            prune(); /* gone unless attached; attachers keep their pages */
        pthread_mutex_unlock(&lock);
    }
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

static struct veo_proc_handle *proc_by_pid(pid_t pid)
{
    for (int i = 0; i < VEO_MAX_HMEM_PROCS; i++) {
        struct veo_proc_handle *h = veo_i_proc_by_ident(i);
        if (h && h->pid == pid && pid > 0)
            return h;
    }
    return NULL;
}

static uid_t proc_uid(pid_t pid)
{
    char path[32];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    return stat(path, &st) == 0 ? st.st_uid : (uid_t)-1;
}

/* VEOS's mode checks of an attach, in its order (owner == user known). */
static int attach_mode_ok(long long mode, int same_proc)
{
    long long excl = mode & (VE_REGISTER_VEHVA | VE_REGISTER_VEMVA | VE_MEM_LOCAL);
    if (mode & ~(long long)(VE_MEM_LOCAL | VE_PCISYNC | VE_SHM_RO | VE_REGISTER_NONE |
                            VE_REGISTER_PCI | VE_REGISTER_VEMVA | VE_REGISTER_VEHVA))
        return -EINVAL;
    if (excl != VE_REGISTER_VEHVA && excl != VE_REGISTER_VEMVA && excl != VE_MEM_LOCAL)
        return -EINVAL;
    if (excl == VE_MEM_LOCAL)
        return mode & (VE_REGISTER_NONE | VE_REGISTER_PCI | VE_PCISYNC) || !same_proc ? -EINVAL
                                                                                       : 0;
    if (!(mode & VE_REGISTER_NONE) == !(mode & VE_REGISTER_PCI))
        return -EINVAL;
    return same_proc ? -EINVAL : 0;
}

static void *mem_local_attach(struct veo_proc_handle *h, uint64_t va, size_t size, int *rc)
{
    struct rashm_dev *dev;
    struct rashm_dev_range r = {RASHM_DEV_DEVICE, va, size};
    uint64_t vehva = 0;
    if ((*rc = veo_i_dev(h, &dev)) == 0)
        *rc = rashm_dev_register(dev, &r, &vehva, NULL);
    return (void *)(uintptr_t)vehva;
}

VEO_API void *veo_shared_mem_attach(struct veo_proc_handle *h, pid_t pid, void *veshm_vemva,
                                    size_t size, int syncnum, long long mode_flag)
{
    uint64_t va = (uint64_t)(uintptr_t)veo_get_hmem_addr(veshm_vemva), addr = 0;
    struct veo_proc_handle *owner;
    int rc, keysync = -1;
    void *ret = NULL;

    if (!h) {
        rc = -EINVAL;
        goto out;
    }
    if ((rc = veo_i_vecall_ready(h)) || (rc = attach_mode_ok(mode_flag, pid == h->pid)))
        goto out;
    if (mode_flag & VE_MEM_LOCAL) {
        uint64_t pg = va % PG_64M == 0 && size % PG_64M == 0 ? PG_64M : PG_2M;
        if (!va || !size || va % pg || size % pg) {
            rc = -EINVAL;
            goto out;
        }
        ret = mem_local_attach(h, va, size, &rc);
        goto out;
    }
    owner = proc_by_pid(pid);
    /* VEOS: a DMAATB attach is for an owner on another VE node, an attach
     * to VE memory for one on the same node. */
    if (owner && (mode_flag & VE_REGISTER_VEHVA) && owner->venode == h->venode) {
        rc = -EINVAL;
        goto out;
    }
    if (!owner || veo_i_dead(owner)) {
        rc = -ESRCH;
        goto out;
    }
    if (owner->venode != h->venode && !(mode_flag & VE_REGISTER_PCI)) {
        rc = -EINVAL; /* not registered for other nodes */
        goto out;
    }
    if (mode_flag & VE_PCISYNC)
        keysync = syncnum;
    pthread_mutex_lock(&lock);
    prune();
    struct area *a = find_area(pid, va, size, keysync, mode_flag & KEY_FLAGS);
    struct attach *t = NULL;
    if (!a) {
        rc = -EINVAL; /* not open, closed, or opened with other flags */
    } else if (proc_uid(owner->pid) != proc_uid(h->pid)) {
        rc = -EACCES;
    } else if (owner->venode != h->venode && !(mode_flag & VE_REGISTER_VEHVA)) {
        rc = -EINVAL; /* another node's memory cannot be mapped to VEMVA */
    } else {
        int dmaatb = (mode_flag & VE_REGISTER_VEHVA) != 0;
        for (t = attaches; t; t = t->next)
            if (t->a == a && t->user_ident == h->ident && t->user_pid == h->pid &&
                t->vehva == dmaatb)
                break;
        if (t) {
            t->refs++; /* attached again: the same address */
            addr = t->addr;
        } else if (!(t = calloc(1, sizeof *t))) {
            rc = -ENOMEM;
        } else if (dmaatb) {
            /* into h's DMAATB, where it lives (the device side) */
            int64_t args[3] = {(int64_t)a->src, (int64_t)a->off,
                               (int64_t)(size | ((mode_flag & VE_SHM_RO) != 0))};
            int64_t r = veo_i_rpc(h, RVE_RPC_VESHM_REG, args, NULL);
            if (r < 0) {
                free(t);
                rc = r == -EBUSY || r == -ENOTSUP || r == -ESRCH ? (int)r : -ENOMEM;
            } else {
                addr = (uint64_t)r;
                *t = (struct attach){attaches, h->ident, h->pid, a, addr, 1, 1};
                attaches = t;
                a->attached++;
            }
        } else if ((rc = veo_i_alloc_mem(h, size, &addr)) < 0) {
            rc = -ENOMEM;
            free(t);
        } else {
            int64_t args[6] = {(int64_t)a->src, (int64_t)a->off, (int64_t)addr, (int64_t)size,
                               (mode_flag & VE_SHM_RO) != 0, (int64_t)rve_hmem_of(addr, h->ident)};
            /* counted before the mapping exists: no process_vm_* copy may
             * then target the attacher's own pages at addr */
            atomic_fetch_add(&h->veshm_attached, 1);
            int64_t r = veo_i_vecall(h, RVE_VECALL_VESHM_ATTACH, args, NULL);
            if (r < 0) {
                atomic_fetch_sub(&h->veshm_attached, 1);
                veo_i_free_mem(h, addr);
                free(t);
                rc = (int)r;
            } else {
                *t = (struct attach){attaches, h->ident, h->pid, a, addr, 1, 0};
                attaches = t;
                a->attached++;
            }
        }
    }
    pthread_mutex_unlock(&lock);
    if (rc == 0)
        ret = (mode_flag & VE_REGISTER_VEHVA) ? (void *)(uintptr_t)addr
                                              : veo_set_proc_identifier((void *)(uintptr_t)addr, h->ident);
out:
    if (rc < 0) {
        errno = -rc;
        return (void *)-1;
    }
    return ret;
}

VEO_API int veo_shared_mem_detach(struct veo_proc_handle *h, void *veshm_addr, long long mode_flag)
{
    uint64_t addr = (uint64_t)(uintptr_t)veo_get_hmem_addr(veshm_addr);
    long long excl = mode_flag & (VE_REGISTER_VEHVA | VE_REGISTER_VEMVA | VE_MEM_LOCAL);
    int rc;

    if (!h) {
        rc = -EINVAL;
        goto out;
    }
    if ((rc = veo_i_vecall_ready(h)))
        goto out;
    if ((mode_flag & ~(long long)(VE_MEM_LOCAL | VE_REGISTER_VEMVA | VE_REGISTER_VEHVA)) ||
        (excl != VE_REGISTER_VEHVA && excl != VE_REGISTER_VEMVA && excl != VE_MEM_LOCAL)) {
        rc = -EINVAL;
        goto out;
    }
    if (excl == VE_MEM_LOCAL) {
        struct rashm_dev *dev;
        if ((rc = veo_i_dev(h, &dev)) == 0)
            rc = rashm_dev_unregister(dev, (uint64_t)(uintptr_t)veshm_addr);
        goto out;
    }
    int dmaatb = excl == VE_REGISTER_VEHVA;
    if (dmaatb)
        addr = (uint64_t)(uintptr_t)veshm_addr; /* a VEHVA, not an hmem pointer */
    else if (!veo_is_ve_addr(veshm_addr) ||
             veo_get_proc_identifier_from_hmem(veshm_addr) != h->ident) {
        rc = -EINVAL;
        goto out;
    }
    pthread_mutex_lock(&lock);
    prune();
    struct attach **pp = &attaches, *t;
    for (; (t = *pp); pp = &t->next)
        if (t->user_ident == h->ident && t->user_pid == h->pid && t->addr == addr &&
            t->vehva == dmaatb)
            break;
    if (!t) {
        rc = -EINVAL;
    } else if (--t->refs == 0) {
        int64_t args[1] = {(int64_t)addr};
        int64_t r = dmaatb ? veo_i_rpc(h, RVE_RPC_VESHM_UNREG, args, NULL)
                           : veo_i_vecall(h, RVE_VECALL_VESHM_DETACH, args, NULL);
        if (r < 0) {
            t->refs++; /* still mapped: keep the record and the count */
            rc = (int)r;
        } else {
            *pp = t->next;
            t->a->attached--;
            free(t);
            if (!dmaatb) {
                veo_i_free_mem(h, addr);
                atomic_fetch_sub(&h->veshm_attached, 1);
            }
            prune();
        }
    }
    pthread_mutex_unlock(&lock);
out:
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}
