/* Process, thread and SRAD information, AIX style: getthrds64,
 * _system_configuration, rs_info, vmgetinfo. Everything is read from /proc,
 * sysfs and sysconf. */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aix.h"
#include "procfs.h"
#include "procinfo.h"
#include "sys/systemcfg.h"
#include "sys/vminfo.h"

/* ---- _system_configuration ------------------------------------------------ */

struct _system_configuration _system_configuration;

static int conf(int name)
{
    long v = sysconf(name);
    return v > 0 && v < (1L << 30) ? (int)v : 0;
}

/* Filled when librashm is loaded, so that programs that read the structure
 * directly (it is a variable on AIX) see values. */
__attribute__((constructor)) static void systemcfg_init(void)
{
    struct _system_configuration *s = &_system_configuration;
    s->width = 64;
    s->ncpus = conf(_SC_NPROCESSORS_ONLN);
    s->max_ncpus = conf(_SC_NPROCESSORS_CONF);
    s->original_ncpus = s->ncpus;
    s->icache_size = conf(_SC_LEVEL1_ICACHE_SIZE);
    s->icache_asc = conf(_SC_LEVEL1_ICACHE_ASSOC);
    s->icache_line = conf(_SC_LEVEL1_ICACHE_LINESIZE);
    s->icache_block = s->icache_line;
    s->dcache_size = conf(_SC_LEVEL1_DCACHE_SIZE);
    s->dcache_asc = conf(_SC_LEVEL1_DCACHE_ASSOC);
    s->dcache_line = conf(_SC_LEVEL1_DCACHE_LINESIZE);
    s->dcache_block = s->dcache_line;
    s->L2_cache_size = conf(_SC_LEVEL2_CACHE_SIZE);
    s->L2_cache_asc = conf(_SC_LEVEL2_CACHE_ASSOC);
    /* split L1 (cache_attrib bit 30 clear) on every processor Linux runs
     * rashm on */
    s->cache_attrib = 0;
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    s->physmem = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
    int smt = 0;
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "re");
    if (f) {
        int a, b;
        char c;
        int n = fscanf(f, "%d%c%d", &a, &c, &b);
        smt = n == 3 && c == '-' ? b - a + 1 : n >= 1 ? 1 : 0;
        if (n == 3 && c == ',')
            smt = 2;
        fclose(f);
    }
    s->smt_threads = smt > 0 ? smt : 1;
    s->smt_status = s->smt_threads > 1;
    s->kernel = __KERN_64BIT | (rashm_config_enhanced_affinity() ? __ENHANCED_AFFINITY_MASK : 0);
}

/* ---- getthrds64 ----------------------------------------------------------- */

static int cmp_tid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

/* Fills e from /proc/PID/task/TID/stat. -ESRCH when the thread is gone. */
static int thread_entry(pid_t pid, pid_t tid, struct thrdentry64 *e)
{
    /* fields 3 state ... 14 utime 15 stime ... 18 priority ... 39 processor
     * ... 41 policy */
    unsigned long long f[41 - 3 + 1];
    if (rcom_task_stat(pid, tid, 3, 41 - 3 + 1, f))
        return -ESRCH;
#define F(n) f[(n) - 3]
    char state = (char)F(3);
    unsigned long utime = (unsigned long)F(14), stime = (unsigned long)F(15);
    long prio = (long)(long long)F(18);
    int cpu = (int)(long long)F(39);
    unsigned policy = (unsigned)F(41);
#undef F
    memset(e, 0, sizeof *e);
    e->ti_tid = tid;
    e->ti_pid = pid;
    e->ti_policy = policy;
    e->ti_pri = (uint32_t)prio;
    switch (state) {
    case 'R': e->ti_state = TSRUN; break;
    case 'S': case 'D': case 'I': case 'W': case 'P': e->ti_state = TSSLEEP; break;
    case 'T': case 't': e->ti_state = TSSTOP; break;
    case 'Z': case 'X': case 'x': e->ti_state = TSZOMB; break;
    default: e->ti_state = TSNONE; break;
    }
    e->ti_ticks = (uint64_t)utime + stime;
    e->ti_lastcpu = cpu;
    e->ti_cpuid = (cpu_t)aix_bound_cpu(pid, tid);
    return 0;
}

int getthrds64(pid_t pid, struct thrdentry64 *buffer, int size, tid64_t *index, int count)
{
    if (count < 0 || (count > 0 && size != (int)sizeof(struct thrdentry64)))
        return rashm_fail(-EINVAL);
    if (!index || (count > 0 && !buffer))
        return rashm_fail(-EFAULT);
    if (pid == RS_MYSELF)
        pid = getpid();
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    if (pid <= 0)
        return rashm_fail(-ESRCH);
    DIR *d = opendir(path);
    if (!d)
        return rashm_fail(-ESRCH);
    pid_t *tids = NULL;
    int n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        pid_t tid = (pid_t)atol(de->d_name);
        if (tid < *index)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            pid_t *q = realloc(tids, (size_t)cap * sizeof *q);
            if (!q) {
                closedir(d);
                free(tids);
                return rashm_fail(-ENOMEM);
            }
            tids = q;
        }
        tids[n++] = tid;
    }
    closedir(d);
    if (n)
        qsort(tids, (size_t)n, sizeof *tids, cmp_tid);
    int got = 0;
    for (int i = 0; i < n && got < count; i++) {
        if (thread_entry(pid, tids[i], &buffer[got]) == 0)
            got++;
        *index = (tid64_t)tids[i] + 1;
    }
    free(tids);
    return got;
}

/* ---- rs_info -------------------------------------------------------------- */

#define SBITS 16   /* AIX's scale of load averages */

/* Busy and total jiffies per CPU from /proc/stat. */
static int cpu_times(uint64_t *busy, uint64_t *total, int ncpu)
{
    FILE *f = fopen("/proc/stat", "re");
    if (!f)
        return -errno;
    char line[512];
    memset(busy, 0, (size_t)ncpu * sizeof *busy);
    memset(total, 0, (size_t)ncpu * sizeof *total);
    while (fgets(line, sizeof line, f)) {
        int c;
        unsigned long long v[8] = {0};
        if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &c, &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7]) < 5 ||
            c < 0 || c >= ncpu)
            continue;
        uint64_t idle = v[3] + v[4];
        uint64_t all = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
        busy[c] = all - idle;
        total[c] = all;
    }
    fclose(f);
    return 0;
}

/* Previous /proc/stat sample, so that shares describe the recent past. */
static pthread_mutex_t stat_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t *prev_busy, *prev_total;

long rs_info(void *out, long command, long arg1, long arg2)
{
    if (command != RS_SRADID_LOADAVG && command != RS_SRADID_USABLE_LOADAVG)
        return rashm_fail(-EINVAL);
    if (arg2 != 0)
        return rashm_fail(-EINVAL);
    if (!out)
        return rashm_fail(-EFAULT);
    if (!rashm_config_enhanced_affinity())
        return rashm_fail(-ENOTSUP);
    const rashm_topo_t *t;
    int rc = aix_topo(&t);
    if (rc)
        return rashm_fail(rc);
    if (arg1 < 0 || arg1 >= rashm_topo_nsrads(t))
        return rashm_fail(-EINVAL);
    int node = rashm_topo_srad_node(t, (int)arg1);
    rashm_cpuset_t cpus;
    rashm_cpuset_zero(&cpus);
    struct rashm_node_info ni;
    for (int i = 0; i < rashm_topo_nnodes(t); i++)
        if (rashm_topo_node(t, i, &ni) == 0 && ni.node == node)
            cpus = ni.cpus;
    if (command == RS_SRADID_USABLE_LOADAVG) {
        rashm_cpuset_t pc;
        rashm_nodeset_t pn;
        if (rashm_topo_partition(t, &pc, &pn) == 0)
            rashm_cpuset_and(&cpus, &cpus, &pc);
    }
    loadavg_info_t li = {0, rashm_cpuset_count(&cpus)};
    /* The system's 1-minute load average, split over the CPUs by the share
     * of busy time each had since the previous call (since boot on the
     * first): the scheduler keeps no per-CPU load average Linux exposes. */
    double load1 = 0;
    FILE *f = fopen("/proc/loadavg", "re");
    if (f) {
        if (fscanf(f, "%lf", &load1) != 1)
            load1 = 0;
        fclose(f);
    }
    int ncpu = 0;
    for (int c = rashm_cpuset_next(&cpus, -1); c >= 0; c = rashm_cpuset_next(&cpus, c))
        ncpu = c + 1;
    rashm_cpuset_t all;
    rashm_topo_all_cpus(t, &all);
    for (int c = rashm_cpuset_next(&all, -1); c >= 0; c = rashm_cpuset_next(&all, c))
        ncpu = c + 1 > ncpu ? c + 1 : ncpu;
    uint64_t *busy = calloc((size_t)ncpu + 1, sizeof *busy), *total = calloc((size_t)ncpu + 1, sizeof *total);
    if (!busy || !total) {
        free(busy);
        free(total);
        return rashm_fail(-ENOMEM);
    }
    if (rashm_topo_is_this_system(t) && cpu_times(busy, total, ncpu) == 0) {
        pthread_mutex_lock(&stat_lock);
        uint64_t all_busy = 0, mine = 0;
        static int prev_n;
        int have_prev = prev_busy && prev_n == ncpu;
        for (int c = 0; c < ncpu; c++) {
            uint64_t b = busy[c] - (have_prev && busy[c] >= prev_busy[c] ? prev_busy[c] : 0);
            all_busy += b;
            if (rashm_cpuset_isset(&cpus, c))
                mine += b;
        }
        if (!have_prev) {
            free(prev_busy);
            free(prev_total);
            prev_busy = calloc((size_t)ncpu, sizeof *prev_busy);
            prev_total = calloc((size_t)ncpu, sizeof *prev_total);
            prev_n = prev_busy && prev_total ? ncpu : 0;
        }
        if (prev_n == ncpu) {
            memcpy(prev_busy, busy, (size_t)ncpu * sizeof *busy);
            memcpy(prev_total, total, (size_t)ncpu * sizeof *total);
        }
        pthread_mutex_unlock(&stat_lock);
        double share = all_busy ? (double)mine / (double)all_busy : 0;
        li.load_average = (int)(load1 * share * (1 << SBITS) + 0.5);
    }
    free(busy);
    free(total);
    memcpy(out, &li, sizeof li);
    return 0;
}

/* ---- vmgetinfo ------------------------------------------------------------ */

static uint64_t node_file_pages(int node)
{
    char path[96], line[256];
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/meminfo", node);
    FILE *f = fopen(path, "re");
    uint64_t v = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        int n;
        unsigned long long kb;
        if (sscanf(line, "Node %d FilePages: %llu kB", &n, &kb) == 2)
            v = (uint64_t)kb << 10;
    }
    fclose(f);
    return v;
}

int vmgetinfo(void *out, int command, int arg)
{
    if (command != VM_SRAD_MEMINFO)
        return rashm_fail(-EINVAL);
    if (!out)
        return rashm_fail(-EFAULT);
    struct vm_srad_meminfo m;
    memcpy(&m.vmsrad_in_size, out, sizeof m.vmsrad_in_size);
    /* the caller must have room at least up to vmsrad_free */
    if (m.vmsrad_in_size < (int)(offsetof(struct vm_srad_meminfo, vmsrad_free) + sizeof m.vmsrad_free))
        return rashm_fail(-EINVAL);
    if (!rashm_config_enhanced_affinity())
        return rashm_fail(-ENOTSUP);
    const rashm_topo_t *t;
    int rc = aix_topo(&t);
    if (rc)
        return rashm_fail(rc);
    if (arg < 0 || arg >= rashm_topo_nsrads(t))
        return rashm_fail(-EINVAL);
    int node = rashm_topo_srad_node(t, arg);
    struct rashm_node_mem nm;
    memset(&nm, 0, sizeof nm);
    if (rashm_topo_is_this_system(t)) {
        if (rashm_node_mem(node, &nm))
            return -1;
    } else {
        struct rashm_node_info ni;
        for (int i = 0; i < rashm_topo_nnodes(t); i++)
            if (rashm_topo_node(t, i, &ni) == 0 && ni.node == node)
                nm.mem_total = nm.mem_free = ni.mem_total;
    }
    int in = m.vmsrad_in_size;
    memset(&m, 0, sizeof m);
    m.vmsrad_in_size = in;
    m.vmsrad_total = nm.mem_total;
    m.vmsrad_free = nm.mem_free;
    m.vmsrad_file = rashm_topo_is_this_system(t) ? node_file_pages(node) : 0;
    int n = in < (int)sizeof m ? in : (int)sizeof m;
    m.vmsrad_out_size = n;
    memcpy(out, &m, (size_t)n);
    return 0;
}

/* ---- rs_getassociativity -------------------------------------------------- */

/* /sys/devices/system/cpu/cpuN/topology/<file> as a number, -1 if absent */
static long topo_file(int cpu, const char *file)
{
    char path[128];
    long v = -1;
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/%s", cpu, file);
    FILE *f = fopen(path, "re");
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

int rs_getassociativity(uint_t type, uint_t id, uint_t *arr, uint_t n)
{
    if (type != R_PROCS || n == 0)
        return rashm_fail(-EINVAL);
    if (geteuid() != 0)
        return rashm_fail(-EPERM);
    if (!arr)
        return rashm_fail(-EFAULT);
    const rashm_topo_t *t;
    int rc = aix_topo(&t);
    if (rc)
        return rashm_fail(rc);
    rashm_cpuset_t all;
    rashm_topo_all_cpus(t, &all);
    if (id >= RASHM_MAX_CPUS || !rashm_cpuset_isset(&all, (int)id))
        return rashm_fail(-ENODEV);
    /* the domains the CPU belongs to, widest first: package, NUMA node,
     * core, the CPU itself (POWER firmware gives a similar list of domain
     * ids, which AIX passes through) */
    long dom[4];
    int cpu = (int)id;
    dom[0] = rashm_topo_is_this_system(t)
                 ? topo_file(cpu, "physical_package_id") : 0;
    int srad = rashm_topo_cpu_srad(t, cpu);
    dom[1] = srad >= 0 ? rashm_topo_srad_node(t, srad) : 0;
    dom[2] = rashm_topo_is_this_system(t) ? topo_file(cpu, "core_id") : cpu;
    dom[3] = cpu;
    uint_t k = n - 1 < 4 ? n - 1 : 4;
    arr[0] = k;
    for (uint_t i = 0; i < k; i++)
        arr[i + 1] = dom[i] < 0 ? 0 : (uint_t)dom[i];
    return 0;
}
