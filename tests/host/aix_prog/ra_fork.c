#define _GNU_SOURCE
/* ra_fork and ra_execv as IBM documents them: a child attached to the
 * rset of SRAD 0 and a program executed attached to an rset, with the documented
 * errors. */
#include "common.h"
#include <sched.h>
#include <sys/rset.h>

/* exit 0 when this process runs only on the processors of rset `want` */
static int affinity_is(rsethandle_t want)
{
    cpu_set_t cs;
    if (sched_getaffinity(0, sizeof cs, &cs))
        return 2;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (!!CPU_ISSET(c, &cs) != (rs_op(RS_TESTRESOURCE, want, NULL, R_PROCS, (uint_t)c) == 1))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    rsethandle_t all = rs_alloc(RS_PARTITION), rad0 = rs_alloc(RS_EMPTY);
    rs_getrad(all, rad0, (uint_t)rs_getinfo(NULL, R_SRADSDL, 0), 0, 0);
    if (argc > 1 && strcmp(argv[1], "exec-check") == 0) {
        rsethandle_t want = rs_alloc(RS_EMPTY);
        rs_op(RS_ADDRESOURCE, want, NULL, R_PROCS, 0);
        int rc = affinity_is(want);
        rs_free(want);
        rs_free(all);
        rs_free(rad0);
        return rc;
    }
    rsid_t srad;
    srad.at_rset = rad0;
    pid_t p = ra_fork(R_RSET, srad, 0);
    if (p == 0) {
        rsid_t me;
        me.at_pid = getpid();
        rsethandle_t got = rs_alloc(RS_EMPTY);
        _exit(ra_getrset(R_PROCESS, me, 0, got) == RS_EFFECTIVE_RSET ? affinity_is(rad0) : 3);
    }
    EXPECT(p > 0);
    int st = -1;
    waitpid(p, &st, 0);
    EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* the executed program runs on CPU 0 only */
    rsethandle_t cpu0 = rs_alloc(RS_EMPTY);
    rs_op(RS_ADDRESOURCE, cpu0, NULL, R_PROCS, 0);
    rsid_t r;
    r.at_rset = cpu0;
    p = fork();
    if (p == 0) {
        char *args[] = {argv[0], "exec-check", NULL};
        ra_execv(R_RSET, r, 0, "/proc/self/exe", args);
        _exit(4);
    }
    waitpid(p, &st, 0);
    EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* errors: checked before anything happens */
    EXPECT_ERR(ra_fork(R_SHM, srad, 0), EINVAL);            /* rstype */
    EXPECT_ERR(ra_fork(R_RSET, r, 9), EINVAL);              /* flags */
    rsid_t empty, bad;
    empty.at_rset = rs_alloc(RS_EMPTY);
    EXPECT_ERR(ra_fork(R_RSET, empty, 0), ENODEV);          /* no processor */
    bad.at_rset = &st;
    EXPECT_ERR(ra_fork(R_RSET, bad, 0), EFAULT);            /* not an rset */
    char *args[] = {"nothing", NULL};
    EXPECT_ERR(ra_execv(R_RSET, r, 0, "/nonexistent/program", args), ENOENT);
    /* a failed exec leaves no attachment behind */
    rsid_t me;
    me.at_pid = getpid();
    rsethandle_t got = rs_alloc(RS_EMPTY);
    int t = ra_getrset(R_PROCESS, me, 0, got);
    EXPECT(t == RS_PARTITION_RSET || t == RS_DEFAULT_RSET);
    rs_free(got);
    rs_free(empty.at_rset);
    rs_free(cpu0);
    rs_free(all);
    rs_free(rad0);
    return finish("ra_fork");
}
