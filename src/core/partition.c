/* The partition of a process on this machine: the CPUs of its cpuset cgroup
 * and the memory nodes of its cpuset (mems_allowed).
 *
 * Why not the affinity mask: on AIX the partition rset is set by
 * rs_setpartition/WLM and bindprocessor() does not narrow it; a process
 * bound to one CPU keeps its whole partition. The Linux counterpart of the
 * partition is the cpuset cgroup; sched_setaffinity (taskset, MPI/OpenMP
 * binding) is the counterpart of bindprocessor. hwloc's allowed cpuset is
 * the same thing (hwloc 2.x reads the cpuset cgroup, not the affinity
 * mask), but it is fixed when the topology is loaded, and the topology is
 * cached per process: a forked child moved into another cpuset after its
 * parent loaded it would see the parent's. So the cgroup files are read on
 * every call. */
#define _GNU_SOURCE
#include "internal.h"
#include "procfs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads the first line of a file (without its newline). */
static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int rc = 0;
    if (!fgets(buf, (int)len, f))
        rc = ferror(f) ? -EIO : -ENODATA;
    fclose(f);
    if (!rc)
        buf[strcspn(buf, "\n")] = 0;
    return rc;
}

/* Is TOKEN one of the comma-separated words of LIST? */
static int has_word(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && !strncmp(p, token, n))
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

struct cg_mount {
    char dir[512];     /* mount point */
    char root[512];    /* the cgroup the mount shows at its top */
    int v2;
};

/* The hierarchy that holds the cpuset controller: a cgroup v1 mount with
 * the "cpuset" option, else a cgroup2 mount whose root lists "cpuset" in
 * cgroup.controllers (a controller bound to v1 does not show in v2). */
static int scan_cpuset_mount(struct cg_mount *out)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -ENOENT;
    char *line = NULL;
    size_t cap = 0;
    struct cg_mount v2;
    int have_v1 = 0, have_v2 = 0;
    while (!have_v1 && getline(&line, &cap, f) > 0) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
        char root[512], dir[512], fstype[64], super[512];
        const char *sep = strstr(line, " - ");
        if (!sep || sscanf(line, "%*s %*s %*s %511s %511s", root, dir) != 2 ||
            sscanf(sep + 3, "%63s %*s %511s", fstype, super) != 2)
            continue;
        if (!strcmp(fstype, "cgroup") && has_word(super, "cpuset")) {
            snprintf(out->dir, sizeof out->dir, "%s", dir);
            snprintf(out->root, sizeof out->root, "%s", root);
            out->v2 = 0;
            have_v1 = 1;
        } else if (!strcmp(fstype, "cgroup2") && !have_v2) {
            char p[600], ctl[512];
            snprintf(p, sizeof p, "%s/cgroup.controllers", dir);
            if (read_line(p, ctl, sizeof ctl) == 0 && strstr(ctl, "cpuset")) {
                snprintf(v2.dir, sizeof v2.dir, "%s", dir);
                snprintf(v2.root, sizeof v2.root, "%s", root);
                v2.v2 = 1;
                have_v2 = 1;
            }
        }
    }
    free(line);
    fclose(f);
    if (have_v1)
        return 0;
    if (!have_v2)
        return -ENOENT;
    *out = v2;
    return 0;
}

/* Generating /proc/self/mountinfo costs tens of microseconds, and the EPERM
 * check of every ra_shmget(v) needs the cpuset hierarchy. Where it is mounted
 * does not change under a running program, so a found mount is remembered;
 * "not found" is not, so a hierarchy mounted later is still seen. Which
 * cgroup the process is in (/proc/PID/cpuset) is read on every call. */
static pthread_mutex_t cpuset_mount_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cg_mount cpuset_mount_cache;
static int cpuset_mount_cached;

static int find_cpuset_mount(struct cg_mount *out)
{
    int rc = 0;
    pthread_mutex_lock(&cpuset_mount_lock);
    if (!cpuset_mount_cached) {
        rc = scan_cpuset_mount(&cpuset_mount_cache);
        cpuset_mount_cached = rc == 0;
    }
    if (rc == 0)
        *out = cpuset_mount_cache;
    pthread_mutex_unlock(&cpuset_mount_lock);
    return rc;
}

int sys_cpuset_cpus(pid_t pid, rashm_cpuset_t *out)
{
    char p[1200], cg[512];
    if (pid)
        snprintf(p, sizeof p, "/proc/%d/cpuset", (int)pid);
    else
        snprintf(p, sizeof p, "/proc/self/cpuset");
    int rc = read_line(p, cg, sizeof cg);
    if (rc) {
        /* no /proc/PID: no such process; no cpuset file: a kernel without
         * cpusets (the caller falls back to the whole system) */
        struct stat st;
        snprintf(p, sizeof p, "/proc/%d", pid ? (int)pid : (int)getpid());
        return stat(p, &st) != 0 ? -ESRCH : -ENOENT;
    }
    struct cg_mount m;
    if ((rc = find_cpuset_mount(&m)))
        return rc;
    /* /proc/PID/cpuset is the path from the root of the hierarchy (as seen
     * in our cgroup namespace); a mount of a sub-cgroup shows it at the top */
    const char *rel = cg;
    size_t rl = strlen(m.root);
    if (strcmp(m.root, "/") != 0 && !strncmp(cg, m.root, rl) && (cg[rl] == '/' || cg[rl] == 0))
        rel = cg + rl;
    char dir[1100];
    snprintf(dir, sizeof dir, "%s%s%s", m.dir, *rel == '/' ? "" : "/", rel);
    size_t top = strlen(m.dir);
    /* v2: the nearest cgroup up the tree that has the cpuset files (they
     * exist only where the controller is enabled, and at the root) */
    for (;;) {
        static const char *const v1_files[] = {"cpuset.effective_cpus", "cpuset.cpus", NULL};
        static const char *const v2_files[] = {"cpuset.cpus.effective", NULL};
        char buf[4096];
        for (const char *const *fn = m.v2 ? v2_files : v1_files; *fn; fn++) {
            snprintf(p, sizeof p, "%s/%s", dir, *fn);
            rashm_cpuset_t c;
            if (read_line(p, buf, sizeof buf) == 0 && sets_parse_cpulist(buf, &c) == 0 &&
                !rashm_cpuset_isempty(&c)) {
                *out = c;
                return 0;
            }
        }
        if (!m.v2 || strlen(dir) <= top)
            return -ENOENT;
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < top)
            dir[top] = 0;
        else
            *slash = 0;
    }
}

static int mems_line(const char *name, const char *value, void *arg)
{
    if (strcmp(name, "Mems_allowed_list"))
        return 0;
    return rashm_nodeset_parse(value, arg) == 0 ? 1 : -ENOENT;
}

int sys_mems_allowed(pid_t pid, rashm_nodeset_t *out)
{
    rashm_nodeset_t n;
    int rc = rcom_status_each(pid, mems_line, &n);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return -ENOENT;
    *out = n;
    return 0;
}

/* ---- setting a partition (rs_setpartition) ----------------------------- */

/* A partition is a child cpuset named "rashm-part-PID" created under the
 * cpuset the process is in (never at the top of the hierarchy: that would
 * let a process escape the cpuset its job or container confines it to).
 * Nothing leaks without notify_on_release (whose release agent runs in the
 * initial namespaces and is unusable in containers): the kernel refuses to
 * rmdir a cgroup that still holds a task (EBUSY) and accepts once the last
 * one has exited, so every call first tries to remove each rashm-part-*
 * sibling; the live ones stay, the empty ones go. A partition whose process
 * exited stays an empty directory until the next call on that parent. */
#define PART_PREFIX "rashm-part-"

static int write_at(int dirfd, const char *name, const char *s)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, s, strlen(s));
    int rc = n == (ssize_t)strlen(s) ? 0 : n < 0 ? -errno : -EIO;
    close(fd);
    return rc;
}

/* A directory of the cgroup file system that only root controls. */
static int open_cg_dir(int at, const char *path)
{
    int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0022)) {
        close(fd);
        return -EPERM;    /* a delegated cgroup: not written into as root */
    }
    return fd;
}

static void sweep_partitions(int parentfd)
{
    int fd = dup(parentfd);
    if (fd < 0)
        return;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, PART_PREFIX, strlen(PART_PREFIX)))
            (void)unlinkat(parentfd, e->d_name, AT_REMOVEDIR);    /* EBUSY: in use */
    closedir(d);
}

/* cpus NULL: remove PID's partition. -ESRCH, -EPERM (no cpuset hierarchy,
 * a delegated cgroup, or the kernel refuses the CPUs/nodes: they are not
 * all within the cpuset the process is confined to), -errno. */
int sys_set_partition(pid_t pid, const rashm_cpuset_t *cpus, const rashm_nodeset_t *mems)
{
    char p[64], cg[512];
    snprintf(p, sizeof p, "/proc/%d/cpuset", (int)pid);
    int rc = read_line(p, cg, sizeof cg);
    if (rc)
        return rc == -ENOENT ? -ESRCH : rc;
    struct cg_mount m;
    if (find_cpuset_mount(&m))
        return -EPERM;
    const char *rel = cg;
    size_t rl = strlen(m.root);
    if (strcmp(m.root, "/") != 0 && !strncmp(cg, m.root, rl) && (cg[rl] == '/' || cg[rl] == 0))
        rel = cg + rl;
    /* the parent: the process's cpuset, or the one above if it is in a
     * partition already (set by this call earlier, or inherited by fork) */
    char parent[1100];
    snprintf(parent, sizeof parent, "%s", *rel == '/' ? rel + 1 : rel);
    char *last = strrchr(parent, '/');
    const char *base = last ? last + 1 : parent;
    int in_part = !strncmp(base, PART_PREFIX, strlen(PART_PREFIX));
    char cur[1100] = "";
    if (in_part) {
        snprintf(cur, sizeof cur, "%.200s", base);
        if (last)
            *last = 0;
        else
            parent[0] = 0;
    }
    int top = open_cg_dir(AT_FDCWD, m.dir);
    if (top < 0)
        return top;
    int pfd = parent[0] ? open_cg_dir(top, parent) : dup(top);
    close(top);
    if (pfd < 0)
        return pfd == -ENOENT ? -ESRCH : pfd;
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%d\n", (int)pid);
    if (!cpus) {
        rc = in_part ? write_at(pfd, "cgroup.procs", pidbuf) : 0;
        if (rc && rc != -ESRCH)
            rc = -EPERM;
        sweep_partitions(pfd);
        close(pfd);
        return rc;
    }
    sweep_partitions(pfd);
    /* rashm-part-PID; the process's own is reused. One of that name that
     * survived the sweep holds other processes (the children of an earlier
     * process with this pid): it is left alone and a suffix is added. */
    char name[64];
    int created = 0;
    for (int k = 0; k < 16; k++) {
        if (k)
            snprintf(name, sizeof name, PART_PREFIX "%d.%d", (int)pid, k);
        else
            snprintf(name, sizeof name, PART_PREFIX "%d", (int)pid);
        if (in_part && !strcmp(cur, name)) {
            errno = EEXIST;
            break;
        }
        if (mkdirat(pfd, name, 0755) == 0) {
            created = 1;
            break;
        }
        if (errno != EEXIST)
            break;
        errno = EBUSY;
    }
    if (!created && errno != EEXIST) {
        rc = -errno;
        close(pfd);
        return rc == -ENOMEM ? rc : -EPERM;
    }
    int cfd = open_cg_dir(pfd, name);
    if (cfd < 0) {
        if (created)
            (void)unlinkat(pfd, name, AT_REMOVEDIR);
        close(pfd);
        return cfd;
    }
    char list[4096];
    rc = 0;
    if (!m.v2) {
        /* v1: a new cpuset has no CPUs and no nodes and takes no task
         * until both are written; the nodes first, so that a CPU list
         * never stands beside an empty node list */
        if (rashm_nodeset_format(mems, list, sizeof list) >= (int)sizeof list)
            rc = -ENOMEM;
        if (!rc)
            rc = write_at(cfd, "cpuset.mems", list);
    } else if (rashm_nodeset_format(mems, list, sizeof list) < (int)sizeof list) {
        rc = write_at(cfd, "cpuset.mems", list);
    }
    if (!rc) {
        if (rashm_cpuset_format(cpus, list, sizeof list) >= (int)sizeof list)
            rc = -ENOMEM;
        else
            rc = write_at(cfd, "cpuset.cpus", list);
    }
    if (!rc)
        rc = write_at(cfd, "cgroup.procs", pidbuf);
    close(cfd);
    if (rc) {
        if (created)
            (void)unlinkat(pfd, name, AT_REMOVEDIR);
        close(pfd);
        return rc == -ESRCH || rc == -ENOMEM ? rc : -EPERM;
    }
    /* the partition it left (inherited from a parent process): gone once empty */
    if (in_part && strcmp(cur, name) != 0)
        (void)unlinkat(pfd, cur, AT_REMOVEDIR);
    close(pfd);
    return 0;
}

/* ---- public: mems_allowed and partitions of any process ---------------- */

int rashm_mems_allowed(pid_t pid, rashm_nodeset_t *out)
{
    if (!out)
        return rashm_fail(-EINVAL);
    if (pid < 0)
        return rashm_fail(-ESRCH);
    /* 0: the kernel's answer for this thread; /proc where the NUMA calls
     * are refused, and for a process named by its pid (this one too) */
    if (pid == 0 && apply_mems_allowed(out) == 0)
        return 0;
    int rc = sys_mems_allowed(pid, out);
    return rc ? rashm_fail(rc) : 0;
}

int rashm_set_partition(pid_t pid, const rashm_cpuset_t *cpus, const rashm_nodeset_t *mems)
{
    if (!cpus != !mems)
        return rashm_fail(-EINVAL);
    if (pid < 0)
        return rashm_fail(-ESRCH);
    if (geteuid() != 0)
        return rashm_fail(-EPERM);
    int rc = sys_set_partition(pid ? pid : getpid(), cpus, mems);
    return rc ? rashm_fail(rc) : 0;
}
