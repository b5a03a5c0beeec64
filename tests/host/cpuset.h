/* Cpuset cgroups for the host tests: the expected partition of a process
 * (read here from the cgroup files, independently of the library) and a
 * child cpuset with one CPU to narrow a process's partition for real.
 * cgroup v1 (a "cgroup" mount with the cpuset option) and v2 (a "cgroup2"
 * mount whose root lists cpuset in cgroup.controllers) are both handled;
 * mounts come from /proc/self/mountinfo. */
#ifndef RASHM_TEST_CPUSET_H
#define RASHM_TEST_CPUSET_H

#include "host.h"

#include <fcntl.h>
#include <sys/stat.h>

struct cg_hier {
    char mnt[512];    /* mount point */
    int v2;
};

static inline int cg_read(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *ok = fgets(buf, (int)len, f);
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

static inline int cg_write(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* "0-3,8,10-11" -> cpu_set_t; -1 when malformed or empty. */
static inline int cg_parse_list(const char *s, cpu_set_t *out)
{
    CPU_ZERO(out);
    while (*s == ' ' || *s == '\t')
        s++;
    while (*s) {
        char *e;
        long a = strtol(s, &e, 10), b;
        if (e == s || a < 0 || a >= CPU_SETSIZE)
            return -1;
        b = a;
        if (*e == '-') {
            s = e + 1;
            b = strtol(s, &e, 10);
            if (e == s || b < a || b >= CPU_SETSIZE)
                return -1;
        }
        for (long i = a; i <= b; i++)
            CPU_SET((int)i, out);
        s = e;
        if (*s == ',')
            s++;
        else if (*s && *s != '\n')
            return -1;
        else
            break;
    }
    return CPU_COUNT(out) ? 0 : -1;
}

/* The hierarchy with the cpuset controller; -1 when there is none. */
static inline int cg_find(struct cg_hier *h)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f)
        return -1;
    char line[2048];
    int found = -1;
    while (found < 0 && fgets(line, sizeof line, f)) {
        char dir[512], fstype[64], opts[512];
        char *sep = strstr(line, " - ");
        if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", dir) != 1 ||
            sscanf(sep + 3, "%63s %*s %511s", fstype, opts) != 2)
            continue;
        if (!strcmp(fstype, "cgroup")) {
            for (char *w = strtok(opts, ","); w; w = strtok(NULL, ","))
                if (!strcmp(w, "cpuset")) {
                    snprintf(h->mnt, sizeof h->mnt, "%s", dir);
                    h->v2 = 0;
                    found = 0;
                }
        } else if (!strcmp(fstype, "cgroup2")) {
            char p[600], ctl[512];
            snprintf(p, sizeof p, "%s/cgroup.controllers", dir);
            if (cg_read(p, ctl, sizeof ctl) == 0 && strstr(ctl, "cpuset")) {
                snprintf(h->mnt, sizeof h->mnt, "%s", dir);
                h->v2 = 1;
                /* keep looking: a v1 cpuset mount wins */
            }
        }
    }
    fclose(f);
    if (found < 0 && h->mnt[0] && h->v2)
        found = 0;
    return found;
}

/* The CPUs of the cpuset cgroup of `pid` (0: this process); -1 when there
 * is no cpuset controller. In v2 the files exist only where the controller
 * is enabled: the nearest ancestor that has them rules. */
static inline int cg_cpus_of(pid_t pid, cpu_set_t *out)
{
    struct cg_hier h;
    memset(&h, 0, sizeof h);
    char p[1200], path[512], buf[4096];
    if (pid)
        snprintf(p, sizeof p, "/proc/%d/cpuset", (int)pid);
    else
        snprintf(p, sizeof p, "/proc/self/cpuset");
    if (cg_find(&h) != 0 || cg_read(p, path, sizeof path) != 0)
        return -1;
    char dir[1100];
    snprintf(dir, sizeof dir, "%s%s", h.mnt, strcmp(path, "/") ? path : "");
    for (;;) {
        snprintf(p, sizeof p, "%s/%s", dir, h.v2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus");
        if (cg_read(p, buf, sizeof buf) == 0 && cg_parse_list(buf, out) == 0)
            return 0;
        if (!h.v2 || strlen(dir) <= strlen(h.mnt))
            return -1;
        *strrchr(dir, '/') = 0;
        if (strlen(dir) < strlen(h.mnt))
            snprintf(dir, sizeof dir, "%s", h.mnt);
    }
}

/* A child cpuset, made at the top of the hierarchy, holding only `cpu` and
 * the top's memory nodes. */
struct cg_child {
    struct cg_hier h;
    char dir[700];
    int enabled_v2;   /* we wrote +cpuset into the root's subtree_control */
};

/* 0: made; -1: cannot (with a message). */
static inline int cg_make_one_cpu(struct cg_child *c, int cpu)
{
    char p[800], buf[512];
    memset(c, 0, sizeof *c);
    if (geteuid() != 0) {
        fprintf(stderr, "not root: cannot make a cpuset cgroup\n");
        return -1;
    }
    if (cg_find(&c->h) != 0) {
        fprintf(stderr, "no cpuset cgroup controller mounted (v1 or v2)\n");
        return -1;
    }
    if (c->h.v2) {
        /* the root is exempt from the no-internal-processes rule, so the
         * controller can be enabled for its children whatever runs there */
        snprintf(p, sizeof p, "%s/cgroup.subtree_control", c->h.mnt);
        if (cg_read(p, buf, sizeof buf) != 0)
            buf[0] = 0;
        if (!strstr(buf, "cpuset")) {
            if (cg_write(p, "+cpuset") != 0) {
                fprintf(stderr, "cannot enable cpuset in %s: %s\n", p, strerror(errno));
                return -1;
            }
            c->enabled_v2 = 1;
        }
    }
    snprintf(c->dir, sizeof c->dir, "%s/rashm-test-%d", c->h.mnt, (int)getpid());
    if (mkdir(c->dir, 0755) != 0) {
        fprintf(stderr, "mkdir %s: %s\n", c->dir, strerror(errno));
        goto undo_enable;
    }
    /* mems first: a v1 cpuset takes no task until both are set */
    snprintf(p, sizeof p, "%s/%s", c->h.mnt, c->h.v2 ? "cpuset.mems.effective" : "cpuset.mems");
    if (cg_read(p, buf, sizeof buf) != 0) {
        fprintf(stderr, "read %s: %s\n", p, strerror(errno));
        goto undo_mkdir;
    }
    snprintf(p, sizeof p, "%s/cpuset.mems", c->dir);
    if (cg_write(p, buf) != 0) {
        fprintf(stderr, "write %s (%s): %s\n", p, buf, strerror(errno));
        goto undo_mkdir;
    }
    snprintf(p, sizeof p, "%s/cpuset.cpus", c->dir);
    snprintf(buf, sizeof buf, "%d", cpu);
    if (cg_write(p, buf) != 0) {
        fprintf(stderr, "write %s (%s): %s\n", p, buf, strerror(errno));
        goto undo_mkdir;
    }
    return 0;
undo_mkdir:
    rmdir(c->dir);
undo_enable:
    if (c->enabled_v2) {
        snprintf(p, sizeof p, "%s/cgroup.subtree_control", c->h.mnt);
        cg_write(p, "-cpuset");
    }
    c->dir[0] = 0;
    return -1;
}

/* Moves process `pid` into the child cpuset. */
static inline int cg_enter(const struct cg_child *c, pid_t pid)
{
    char p[800], s[32];
    snprintf(p, sizeof p, "%s/%s", c->dir, c->h.v2 ? "cgroup.procs" : "tasks");
    snprintf(s, sizeof s, "%d\n", (int)pid);
    return cg_write(p, s);
}

/* Removes the child cpuset (its processes must have exited) and undoes the
 * v2 subtree_control change; -1 when the directory could not be removed. */
static inline int cg_remove(struct cg_child *c)
{
    int rc = 0;
    if (!c->dir[0])
        return 0;
    /* an exited child can linger in the cgroup for a moment after waitpid */
    for (int i = 0; i < 100; i++) {
        if (rmdir(c->dir) == 0 || errno == ENOENT) {
            rc = 0;
            break;
        }
        rc = -1;
        if (errno != EBUSY)
            break;
        usleep(10000);
    }
    if (rc)
        fprintf(stderr, "rmdir %s: %s\n", c->dir, strerror(errno));
    if (c->enabled_v2) {
        char p[800];
        snprintf(p, sizeof p, "%s/cgroup.subtree_control", c->h.mnt);
        cg_write(p, "-cpuset");
    }
    c->dir[0] = 0;
    return rc;
}

#endif
