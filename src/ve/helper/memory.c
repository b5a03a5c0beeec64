/* The shared region with the VH (mapped by main.c) and the VE memory of the
 * helper's VE node: mapped at the fixed address the VH
 * keeps reserved, backed like the card's (huge pages where possible),
 * preferring the VE node's host NUMA node, and the CPUs of that node for
 * the workers. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "env.h"
#include "helper.h"

struct rve_header *hdr;
void *shm;
cpu_set_t node_cpus;
int have_node_cpus;

static int read_cpulist(int node, cpu_set_t *set)
{
    char path[128], buf[4096];
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", node);
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    CPU_ZERO(set);
    char *p = buf;
    int count = 0;
    while (*p && *p != '\n') {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p)
            break;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            p = end;
        }
        for (long c = a; c <= b && c < CPU_SETSIZE; c++, count++)
            CPU_SET((int)c, set);
        if (*p == ',')
            p++;
    }
    return count ? 0 : -ENOENT;
}

int map_ve_memory(void)
{
    void *want = (void *)(uintptr_t)hdr->mem_base;
    void *p = mmap(want, hdr->mem_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED)
        return -errno;
    if (p != want) { /* a kernel without MAP_FIXED_NOREPLACE treats it as a hint */
        munmap(p, hdr->mem_size);
        return -EEXIST;
    }
    /* The card backs VE memory with 2 MiB / 64 MiB pages; transparent huge
     * pages are the nearest host equivalent, and they make the kernel's
     * cross-process copies (process_vm_readv/writev) cheaper per byte. */
    if (!rcom_env_flag(RCOM_ENV_VE_NO_THP))
        madvise(p, hdr->mem_size, MADV_HUGEPAGE);
    /* VE memory sits on its VE node's host NUMA node. Preferred, not bound:
     * a full node must not turn into SIGBUS in VE code. */
    if (hdr->numa_node >= 0) {
        unsigned long mask[16] = {0};
        int nd = hdr->numa_node;
        if (nd >= (int)(sizeof mask * 8))
            return -EINVAL;
        mask[nd / (8 * sizeof(unsigned long))] |= 1ul << (nd % (8 * sizeof(unsigned long)));
        if (syscall(SYS_mbind, p, hdr->mem_size, MPOL_PREFERRED, mask, sizeof mask * 8, 0) < 0)
            return -errno;
        syscall(SYS_set_mempolicy, MPOL_PREFERRED, mask, sizeof mask * 8);
        if (read_cpulist(nd, &node_cpus) == 0)
            have_node_cpus = 1;
    }
    return 0;
}
