/* rashm limits: the settings that decide whether a segment can be made,
 * made of huge pages, or locked (ipcs -l plus huge pages per node and size,
 * vm.hugetlb_shm_group, RLIMIT_MEMLOCK and the cpuset partition): the view
 * that explains a failing 'rashm create'. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <unistd.h>

const char usage_limits[] =
    "usage: rashm limits [--json]\n"
    "\n"
    "The limits a segment meets: kernel.shmmax, shmall and shmmni with what is\n"
    "used; huge pages of every size, for the system and per node; whether this\n"
    "user may create huge-page segments (vm.hugetlb_shm_group, CAP_IPC_LOCK);\n"
    "how much it may lock (RLIMIT_MEMLOCK, for --pin); and this process's\n"
    "partition (the CPUs and nodes of its cpuset cgroup).\n";

static void size_or_unlimited(uint64_t v, char *buf, size_t len)
{
    if (v == UINT64_MAX || v >= (UINT64_C(1) << 62))
        snprintf(buf, len, "unlimited");
    else
        fmt_bytes(v, buf, len);
}

static const struct tab_col huge_cols[] = {
    { "node", "node", false }, { "size", "page size", true }, { "total", "total", true },
    { "free", "free", true },  { "resv", "reserved", true },   { "surplus", "surplus", true },
    { "note", "", false },
};

int cmd_limits(int argc, char **argv)
{
    bool json = false;
    int prc = parse_json_only(argc, argv, usage_limits, &json);
    if (prc >= 0)
        return prc;
    struct out o;
    char b1[32], b2[32], buf[256];
    uint64_t shmmax = 0, shmall = 0, shmmni = 0;
    long page = sysconf(_SC_PAGESIZE);
    out_init(&o, json);
    out_obj(&o, NULL);

    /* ---- System V ---- */
    read_u64("/proc/sys/kernel/shmmax", &shmmax);
    read_u64("/proc/sys/kernel/shmall", &shmall);
    read_u64("/proc/sys/kernel/shmmni", &shmmni);
    struct shm_info si;
    memset(&si, 0, sizeof si);
    bool have_info = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&si) >= 0;
    out_obj(&o, "sysv");
    out_uint(&o, "shmmax", shmmax);
    out_uint(&o, "shmall_pages", shmall);
    out_uint(&o, "shmmni", shmmni);
    if (have_info) {
        out_uint(&o, "used_pages", (unsigned long long)si.shm_tot);
        out_uint(&o, "used_segments", (unsigned long long)si.used_ids);
    }
    out_end_obj(&o);
    size_or_unlimited(shmmax, b1, sizeof b1);
    out_text(&o, "System V shared memory:\n");
    out_text(&o, "  kernel.shmmax   %-22s largest segment\n", b1);
    size_or_unlimited(shmall > UINT64_MAX / (uint64_t)page ? UINT64_MAX : shmall * (uint64_t)page, b1, sizeof b1);
    if (have_info)
        fmt_bytes((uint64_t)si.shm_tot * (uint64_t)page, b2, sizeof b2);
    out_text(&o, "  kernel.shmall   %-22s all segments together%s%s%s\n", b1, have_info ? " (used " : "",
             have_info ? b2 : "", have_info ? ")" : "");
    snprintf(buf, sizeof buf, "%" PRIu64, shmmni);
    out_text(&o, "  kernel.shmmni   %-22s segments", buf);
    if (have_info)
        out_text(&o, " (used %d)", si.used_ids);
    out_text(&o, "\n");

    /* ---- huge pages ---- */
    struct huge_size hs[8];
    int nh = huge_sizes(hs, 8);
    uint64_t def = huge_default_size();
    struct table t;
    tab_init(&t, huge_cols, 7, "node,size,total,free,resv,surplus,note", NULL);
    out_arr(&o, "huge_pages");
    for (int i = 0; i < nh; i++) {
        tab_row(&t);
        out_obj(&o, NULL);
        fmt_bytes(hs[i].size, b1, sizeof b1);
        tab_cell(&t, "node", "all");
        tab_cell(&t, "size", "%s", b1);
        out_uint(&o, "page_size", hs[i].size);
        out_bool(&o, "default", hs[i].size == def);
        out_cell_uint(&o, &t, "total", hs[i].total);
        out_cell_uint(&o, &t, "free", hs[i].free);
        out_cell_uint(&o, &t, "resv", hs[i].resv);
        out_cell_uint(&o, &t, "surplus", hs[i].surplus);
        out_uint(&o, "overcommit", hs[i].overcommit);
        if (hs[i].size == def)
            tab_cell(&t, "note", "default (--huge)");
        out_arr(&o, "nodes");
        const rashm_topo_t *topo = rashm_topo();
        for (int k = 0; topo && k < rashm_topo_nnodes(topo); k++) {
            struct rashm_node_info ni;
            uint64_t tot = 0, fr = 0, sur = 0;
            char path[160];
            if (rashm_topo_node(topo, k, &ni))
                continue;
            snprintf(path, sizeof path, "/sys/devices/system/node/node%d/hugepages/hugepages-%" PRIu64 "kB/nr_hugepages",
                     ni.node, hs[i].size >> 10);
            if (read_u64(path, &tot))
                continue;
            snprintf(path, sizeof path, "/sys/devices/system/node/node%d/hugepages/hugepages-%" PRIu64 "kB/free_hugepages",
                     ni.node, hs[i].size >> 10);
            read_u64(path, &fr);
            snprintf(path, sizeof path, "/sys/devices/system/node/node%d/hugepages/hugepages-%" PRIu64 "kB/surplus_hugepages",
                     ni.node, hs[i].size >> 10);
            read_u64(path, &sur);
            out_obj(&o, NULL);
            out_int(&o, "node", ni.node);
            out_uint(&o, "total", tot);
            out_uint(&o, "free", fr);
            out_uint(&o, "surplus", sur);
            out_end_obj(&o);
            tab_row(&t);
            tab_cell(&t, "node", "%d", ni.node);
            tab_cell(&t, "size", "%s", b1);
            tab_cell(&t, "total", "%" PRIu64, tot);
            tab_cell(&t, "free", "%" PRIu64, fr);
            tab_cell(&t, "surplus", "%" PRIu64, sur);
        }
        out_end_arr(&o);
        out_end_obj(&o);
    }
    out_end_arr(&o);
    out_text(&o, "\nhuge pages (sysfs hugepages-*kB; 'all' is the whole system):\n");
    if (nh)
        tab_print(&o, &t, "  ");
    else
        out_text(&o, "  none: the kernel offers no huge pages\n");
    tab_free(&t);

    /* ---- this user ---- */
    long g = hugetlb_shm_group();
    struct group *gr = g >= 0 ? getgrgid((gid_t)g) : NULL;
    bool member = in_group(g), cap = has_cap(CLI_CAP_IPC_LOCK);
    struct rlimit rl;
    getrlimit(RLIMIT_MEMLOCK, &rl);
    uint64_t soft = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
    uint64_t hard = rl.rlim_max == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_max;
    out_obj(&o, "user");
    out_int(&o, "uid", (long long)geteuid());
    out_int(&o, "hugetlb_shm_group", g);
    out_str(&o, "hugetlb_shm_group_name", gr ? gr->gr_name : NULL);
    out_bool(&o, "in_hugetlb_shm_group", member);
    out_bool(&o, "cap_ipc_lock", cap);
    out_bool(&o, "may_create_huge", member || cap);
    if (soft == UINT64_MAX)
        out_null(&o, "memlock_soft");
    else
        out_uint(&o, "memlock_soft", soft);
    if (hard == UINT64_MAX)
        out_null(&o, "memlock_hard");
    else
        out_uint(&o, "memlock_hard", hard);
    out_end_obj(&o);
    out_text(&o, "\nthis user (uid %u):\n", (unsigned)geteuid());
    snprintf(buf, sizeof buf, "%ld%s%s%s", g, gr ? " (" : "", gr ? gr->gr_name : "", gr ? ")" : "");
    out_text(&o, "  vm.hugetlb_shm_group  %s: %s\n", buf, member ? "a member" : "not a member");
    out_text(&o, "  CAP_IPC_LOCK          %s\n", cap ? "yes (no locking limit, huge pages allowed)" : "no");
    out_text(&o, "  huge-page segments    %s\n",
             member || cap ? "allowed" : "refused (needs the group above or CAP_IPC_LOCK)");
    size_or_unlimited(soft, b1, sizeof b1);
    size_or_unlimited(hard, b2, sizeof b2);
    out_text(&o, "  RLIMIT_MEMLOCK        %s (hard %s)%s\n", b1, b2,
             cap ? "; not applied: CAP_IPC_LOCK" : "; --pin locks at most this");

    /* ---- partition ---- */
    const rashm_topo_t *topo = rashm_topo();
    rashm_cpuset_t pc;
    rashm_nodeset_t pn;
    if (topo && rashm_topo_partition(topo, &pc, &pn) == 0) {
        out_obj(&o, "partition");
        out_cpus(&o, "cpus", &pc);
        out_nodes(&o, "nodes", &pn);
        out_end_obj(&o);
        rashm_cpuset_format(&pc, buf, sizeof buf);
        out_text(&o, "\npartition (cpuset cgroup of this process): cpus %s", buf);
        rashm_nodeset_format(&pn, buf, sizeof buf);
        out_text(&o, ", nodes %s\n", buf);
    } else {
        out_null(&o, "partition");
        out_text(&o, "\npartition: unknown (%s)\n", rashm_strerror(errno));
    }
    out_end_obj(&o);
    return out_finish(&o);
}
