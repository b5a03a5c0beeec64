/* The shared region with the VH (mapped by main.c) and the VE memory of the
 * helper's VE node: a memfd mapped shared at the fixed address the VH
 * keeps reserved, backed like the card's (huge pages where possible),
 * preferring the VE node's host NUMA node, and the CPUs of that node for
 * the workers.
 *
 * VE memory is a memfd (not anonymous memory) so that more than one process
 * can map the same pages: the device process (device.c) maps it at the
 * same address and its DMA engine copies with plain loads and stores, VE
 * code runs in the VE process, which maps it too, and the VH maps it
 * elsewhere for veo_read_mem/veo_write_mem. The VH makes it (RVE_MEM_FD),
 * sized and sealed against shrinking and growing, so no mapping of it can
 * fault because someone truncated it. ve_mem_fd stays open in both
 * processes (close-on-exec) for whoever must share VE memory further. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rashm.h>

#include "env.h"
#include "parse.h"
#include "procfs.h"
#include "helper.h"

struct rve_header *hdr;
void *shm;
cpu_set_t node_cpus;
int have_node_cpus;
int ve_mem_fd = -1;

static int add_cpu(void *ctx, unsigned cpu)
{
    if (cpu < CPU_SETSIZE)  /* CPUs beyond cpu_set_t cannot be pinned to anyway */
        CPU_SET((int)cpu, (cpu_set_t *)ctx);
    return 0;
}

/* The CPUs of a node (sysfs cpulist, read and parsed by src/common). */
static int read_cpulist(int node, cpu_set_t *set)
{
    char path[128], buf[4096];
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", node);
    int rc = rcom_read_text(path, buf, sizeof buf);
    if (rc < 0)
        return rc;
    CPU_ZERO(set);
    if (rcom_parse_idlist(buf, 1u << 22, add_cpu, set) < 0 || !CPU_COUNT(set))
        return -ENOENT;     /* a memory-only node (empty list) or a list we cannot read */
    return 0;
}

int map_ve_memory(void)
{
    void *want = (void *)(uintptr_t)hdr->mem_base;
    /* The VH made the memfd (RVE_MEM_FD), sized and sealed: pages come at
     * first touch, as with MAP_NORESERVE anonymous memory. */
    struct stat st;
    int fd = fcntl(RVE_MEM_FD, F_DUPFD_CLOEXEC, RVE_MEM_FD + 1);
    if (fd < 0)
        return -errno;
    close(RVE_MEM_FD);
    if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != hdr->mem_size ||
        (fcntl(fd, F_GET_SEALS) & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW)) {
        close(fd);
        return -EINVAL;
    }
    void *p = mmap(want, hdr->mem_size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, fd, 0);
    if (p == MAP_FAILED) {
        int e = -errno;
        close(fd);
        return e;
    }
    if (p != want) { /* a kernel without MAP_FIXED_NOREPLACE treats it as a hint */
        munmap(p, hdr->mem_size);
        close(fd);
        return -EEXIST;
    }
    ve_mem_fd = fd;
    /* The card backs VE memory with 2 MiB / 64 MiB pages; transparent huge
     * pages are the nearest host equivalent, and they make the kernel's
     * cross-process copies (process_vm_readv/writev) cheaper per byte. On
     * a memfd the kernel grants them only where
     * /sys/kernel/mm/transparent_hugepage/shmem_enabled allows (advise or
     * always); elsewhere VE memory has 4 KiB pages. */
    if (!rcom_env_flag(RCOM_ENV_VE_NO_THP))
        madvise(p, hdr->mem_size, MADV_HUGEPAGE);
    /* VE memory sits on its VE node's host NUMA node. Preferred, not bound:
     * a full node must not turn into SIGBUS in VE code. Placed by librashm
     * like any mapping (MPOL_PREFERRED on the one node); the helper's own
     * threads prefer the node too. */
    if (hdr->numa_node >= 0) {
        int nd = hdr->numa_node;
        if (nd >= RASHM_MAX_NODES)
            return -EINVAL;
        struct rashm_range r;
        memset(&r, 0, sizeof r);
        r.policy = RASHM_POLICY_PREFERRED;
        rashm_nodeset_set(&r.nodes, nd);
        if (rashm_place_mapping(p, hdr->mem_size, &r, 1, 0))
            return -errno;
        (void)rashm_thread_policy(RASHM_POLICY_PREFERRED, &r.nodes);
        if (read_cpulist(nd, &node_cpus) == 0)
            have_node_cpus = 1;
    }
    return 0;
}

/* The VE memory's second address, for hmem pointers (the address map and
 * why: src/proto/rve_proto.h): the same memfd pages again, in this
 * process's window. Only the VE process needs it (VE code runs there); the
 * device process reaches VE memory by VE address. */
int map_hmem_window(void)
{
    uint64_t base = hdr->hmem_base, size = hdr->mem_size;
    if (!rve_hmem_is(base) || rve_hmem_to_ve(base) != hdr->mem_base || size > RVE_MEM_STRIDE ||
        !rve_hmem_is(base + size - 1))
        return -EINVAL;
    void *want = (void *)(uintptr_t)base;
    void *p = mmap(want, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
                   ve_mem_fd, 0);
    if (p == MAP_FAILED)
        return -errno;
    if (p != want) {
        munmap(p, size);
        return -EEXIST;
    }
    if (!rcom_env_flag(RCOM_ENV_VE_NO_THP))
        madvise(p, size, MADV_HUGEPAGE);
    return 0;
}
