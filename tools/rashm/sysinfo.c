/* The kernel settings that decide whether a segment can be made, huge or
 * locked: read by 'rashm limits' and by the messages of 'rashm create' that
 * name the setting at fault. */
#define _GNU_SOURCE
#include "cli.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "parse.h"
#include "procfs.h"

static int by_size(const void *a, const void *b)
{
    const struct huge_size *x = a, *y = b;
    return x->size < y->size ? -1 : x->size > y->size;
}

int huge_sizes(struct huge_size *out, int max)
{
    DIR *d = opendir("/sys/kernel/mm/hugepages");
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)) && n < max) {
        unsigned long long kb;
        char path[512];
        if (sscanf(e->d_name, "hugepages-%llukB", &kb) != 1)
            continue;
        struct huge_size *h = &out[n];
        memset(h, 0, sizeof *h);
        h->size = (uint64_t)kb << 10;
#define RD(field, file)                                                               \
    snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/%s/" file, e->d_name);      \
    read_u64(path, &h->field)
        RD(total, "nr_hugepages");
        RD(free, "free_hugepages");
        RD(resv, "resv_hugepages");
        RD(surplus, "surplus_hugepages");
        RD(overcommit, "nr_overcommit_hugepages");
#undef RD
        n++;
    }
    closedir(d);
    qsort(out, (size_t)n, sizeof *out, by_size);
    return n;
}

uint64_t huge_default_size(void)
{
    long kb = rcom_meminfo("Hugepagesize");
    return kb > 0 ? (uint64_t)kb << 10 : 0;
}

long hugetlb_shm_group(void)
{
    uint64_t g;
    if (read_u64("/proc/sys/vm/hugetlb_shm_group", &g))
        return -1;
    return (long)g;
}

bool in_group(long gid)
{
    gid_t groups[256];
    if (gid < 0)
        return false;
    if ((long)getegid() == gid || (long)getgid() == gid)
        return true;
    int n = getgroups(256, groups);
    for (int i = 0; i < n; i++)
        if ((long)groups[i] == gid)
            return true;
    return false;
}

static int cap_eff(const char *name, const char *value, void *arg)
{
    return !strcmp(name, "CapEff") && sscanf(value, "%llx", (unsigned long long *)arg) == 1;
}

bool has_cap(int cap)
{
    unsigned long long eff = 0;
    if (rcom_status_each(0, cap_eff, &eff) != 1)
        return false;
    return (eff >> cap) & 1;
}

uint64_t memlock_limit(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_MEMLOCK, &r))
        return 0;
    return r.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)r.rlim_cur;
}
