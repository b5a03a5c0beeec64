/* rs_setpartition: every errno of IBM's page, a partition that really
 * confines the process (affinity, rs_getpartition), RS_DEFAULT removing it,
 * and no cpuset left behind: the partition of a process that exits is
 * removed by the next call. Needs a cpuset hierarchy and 2 CPUs. */
#define _GNU_SOURCE
#include "host.h"
#include "check.h"
#include "cpuset.h"

#include <sys/rset.h>
#include <sys/stat.h>

static char mnt[512];

/* The cgroup path of pid's cpuset, relative to the mount. */
static int cg_path(pid_t pid, char *buf, size_t len)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/cpuset", (int)pid);
    return cg_read(p, buf, len);
}

static int dir_exists(const char *rel)
{
    char p[1200];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", mnt, rel);
    return stat(p, &st) == 0;
}

static rsethandle_t one_cpu_rset(int cpu)
{
    rsethandle_t r = rs_alloc(RS_EMPTY);
    rs_op(RS_ADDRESOURCE, r, NULL, R_PROCS, (uint_t)cpu);
    return r;
}

static int as_nobody(void *arg)
{
    (void)arg;
    if (setgid(65534) || setuid(65534))
        return 2;
    rsethandle_t r = one_cpu_rset(0);
    errno = 0;
    int rc = rs_setpartition(RS_MYSELF, r, 0);
    CHECK_EQ(rc, -1);
    CHECK_EQ(errno, EPERM);
    errno = 0;
    CHECK_EQ(rs_setpartition(RS_MYSELF, RS_DEFAULT, 0), -1);
    CHECK_EQ(errno, EPERM);
    rs_free(r);
    return check_failures ? 1 : 0;
}

/* In a child: set a one-CPU partition, check it, remove it, set it again
 * and exit with it set (arg != NULL: leave it set). */
static int confined(void *arg)
{
    int cpu = *(int *)arg;
    rsethandle_t r = one_cpu_rset(cpu);
    CHECK_EQ(rs_setpartition(RS_MYSELF, r, 0), 0);
    cpu_set_t aff;
    CHECK_EQ(sched_getaffinity(0, sizeof aff, &aff), 0);
    CHECK_EQ(CPU_COUNT(&aff), 1);
    CHECK(CPU_ISSET(cpu, &aff));
    rsethandle_t got = rs_alloc(RS_EMPTY);
    CHECK_EQ(rs_getpartition(RS_MYSELF, got), RS_PARTITION_RSET);
    CHECK_EQ(rs_getinfo(got, R_NUMPROCS, 0), 1);
    CHECK_EQ(rs_op(RS_TESTRESOURCE, got, NULL, R_PROCS, (uint_t)cpu), 1);
    char mine[512];
    CHECK_EQ(cg_path(getpid(), mine, sizeof mine), 0);
    CHECK(strstr(mine, "rashm-part-") != NULL);
    CHECK(dir_exists(mine));
    /* a child inherits the partition (as on AIX); its own partition goes
     * beside it, under the same parent, and RS_DEFAULT takes it out of
     * both */
    fflush(stdout);
    pid_t g = fork();
    if (g == 0) {
        char in[512], own[512], out[512];
        int bad = cg_path(getpid(), in, sizeof in) != 0 || strcmp(in, mine) != 0;
        bad |= rs_setpartition(RS_MYSELF, r, 0) != 0;
        bad |= cg_path(getpid(), own, sizeof own) != 0 || !strcmp(own, mine) ||
               strstr(own, "rashm-part-") == NULL;
        bad |= rs_setpartition(RS_MYSELF, RS_DEFAULT, 0) != 0;
        bad |= cg_path(getpid(), out, sizeof out) != 0 || strstr(out, "rashm-part-") != NULL;
        bad |= dir_exists(own);
        _exit(bad);
    }
    int gst;
    waitpid(g, &gst, 0);
    CHECK(WIFEXITED(gst) && WEXITSTATUS(gst) == 0);
    CHECK(dir_exists(mine));    /* still holds this process */
    /* a second call on the same process reuses its partition */
    CHECK_EQ(rs_setpartition(0, r, R_ATTACH_STRSET), 0);
    /* RS_DEFAULT: back in the parent cpuset and the child cpuset gone */
    CHECK_EQ(rs_setpartition(RS_MYSELF, RS_DEFAULT, 0), 0);
    char back[512];
    CHECK_EQ(cg_path(getpid(), back, sizeof back), 0);
    CHECK(strstr(back, "rashm-part-") == NULL);
    CHECK(!dir_exists(mine));
    CHECK_EQ(rs_getpartition(RS_MYSELF, got), RS_DEFAULT_RSET);
    /* set again and exit with it */
    CHECK_EQ(rs_setpartition(RS_MYSELF, r, 0), 0);
    rs_free(got);
    rs_free(r);
    return check_failures ? 1 : 0;
}


/* Attack: a cpuset delegated to nobody (chowned to it, as systemd or a
 * container runtime delegates). Root's rs_setpartition on a process in it
 * must not mkdir or write inside a directory nobody controls. */
static void delegated(int cpu)
{
    char dir[1200], p[1300];
    snprintf(dir, sizeof dir, "%s/rashm-test-deleg-%d", mnt, (int)getpid());
    if (mkdir(dir, 0755) != 0) {
        CHECK(0);
        return;
    }
    char list[32];
    snprintf(list, sizeof list, "%d", cpu);
    snprintf(p, sizeof p, "%s/cpuset.cpus", dir);
    CHECK_EQ(cg_write(p, list), 0);
    char mems[256];
    snprintf(p, sizeof p, "%s/cpuset.mems", mnt);
    CHECK_EQ(cg_read(p, mems, sizeof mems), 0);
    snprintf(p, sizeof p, "%s/cpuset.mems", dir);
    CHECK_EQ(cg_write(p, mems), 0);
    CHECK_EQ(chown(dir, 65534, 65534), 0);
    int go[2];
    CHECK_EQ(pipe(go), 0);
    pid_t v = fork();
    if (v == 0) {
        char b;
        close(go[1]);
        (void)!read(go[0], &b, 1);
        _exit(0);
    }
    close(go[0]);
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)v);
    snprintf(p, sizeof p, "%s/cgroup.procs", dir);
    CHECK_EQ(cg_write(p, pid), 0);
    rsethandle_t r = one_cpu_rset(cpu);
    errno = 0;
    CHECK_EQ(rs_setpartition(v, r, 0), -1);
    CHECK_EQ(errno, EPERM);
    snprintf(p, sizeof p, "%s/rashm-part-%d", dir, (int)v);
    struct stat st;
    CHECK(stat(p, &st) != 0);    /* nothing created in nobody's cpuset */
    rs_free(r);
    close(go[1]);
    waitpid(v, NULL, 0);
    CHECK_EQ(rmdir(dir), 0);
}

int main(void)
{
    struct cg_hier h;
    memset(&h, 0, sizeof h);
    if (cg_find(&h) != 0) {
        printf("skip: no cpuset cgroup hierarchy\n");
        return TEST_SKIP;
    }
    snprintf(mnt, sizeof mnt, "%s", h.mnt);
    cpu_set_t all;
    sched_getaffinity(0, sizeof all, &all);
    if (CPU_COUNT(&all) < 2) {
        printf("skip: one CPU, a partition cannot be narrower\n");
        return TEST_SKIP;
    }
    int cpu = -1;
    for (int c = CPU_SETSIZE - 1; c >= 0 && cpu < 0; c--)
        if (CPU_ISSET(c, &all))
            cpu = c;

    rsethandle_t r = one_cpu_rset(cpu);
    /* EINVAL: flags */
    errno = 0;
    CHECK_EQ(rs_setpartition(RS_MYSELF, r, 0x1), -1);
    CHECK_EQ(errno, EINVAL);
    /* EFAULT: not an rset */
    errno = 0;
    CHECK_EQ(rs_setpartition(RS_MYSELF, NULL, 0), -1);
    CHECK_EQ(errno, EFAULT);
    /* ENODEV: memory but no processor */
    rsethandle_t nocpu = rs_alloc(RS_EMPTY);
    rs_op(RS_ADDRESOURCE, nocpu, NULL, R_MEMPS, 0);
    errno = 0;
    CHECK_EQ(rs_setpartition(RS_MYSELF, nocpu, 0), -1);
    CHECK_EQ(errno, ENODEV);
    /* ESRCH: a reaped child's pid */
    pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    waitpid(gone, NULL, 0);
    errno = 0;
    CHECK_EQ(rs_setpartition(gone, r, 0), -1);
    CHECK_EQ(errno, ESRCH);
    /* EPERM: not root */
    CHECK_EQ(in_child(as_nobody, NULL), 0);

    if (!h.v2)
        delegated(cpu);

    /* a real partition in a child, which exits with it set */
    char parent_cg[512];
    CHECK_EQ(cg_path(getpid(), parent_cg, sizeof parent_cg), 0);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0)
        _exit(confined(&cpu));
    int st;
    waitpid(child, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char left[1200];
    snprintf(left, sizeof left, "%s%srashm-part-%d", parent_cg,
             strcmp(parent_cg, "/") ? "/" : "", (int)child);
    /* the empty cpuset of the exited process is still there ... */
    CHECK(dir_exists(left));
    /* ... until the next call under that cpuset removes it */
    CHECK_EQ(rs_setpartition(RS_MYSELF, RS_DEFAULT, 0), 0);
    CHECK(!dir_exists(left));
    /* this process was never moved */
    char now[512];
    CHECK_EQ(cg_path(getpid(), now, sizeof now), 0);
    CHECK(strcmp(now, parent_cg) == 0);
    rs_free(nocpu);
    rs_free(r);
    return check_end();
}
