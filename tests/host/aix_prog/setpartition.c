/* rs_setpartition and rs_getpartition as IBM documents them: a worker
 * process confined to one processor of its partition, the partition
 * removed again with RS_DEFAULT, and each documented errno (ENOMEM cannot
 * be provoked on purpose). */
#include "common.h"
#include <sys/processor.h>
#include <sys/rset.h>

static int eperm_nobody(void)
{
    rsethandle_t r = rs_alloc(RS_PARTITION);
    errno = 0;
    int rc = rs_setpartition(RS_MYSELF, r, 0);
    int ok = rc == -1 && errno == EPERM;
    rs_free(r);
    return ok ? 0 : 1;
}

/* The worker: narrows its own partition to one processor and runs there. */
static int worker(int cpu)
{
    rsethandle_t one = rs_alloc(RS_EMPTY);
    if (rs_op(RS_ADDRESOURCE, one, NULL, R_PROCS, (unsigned)cpu) != 0)
        return 2;
    if (rs_setpartition(RS_MYSELF, one, 0) != 0) {
        printf("FAIL rs_setpartition: %s\n", strerror(errno));
        return 3;
    }
    rsethandle_t got = rs_alloc(RS_EMPTY);
    int bad = 0;
    if (rs_getpartition(RS_MYSELF, got) != RS_PARTITION_RSET)
        bad |= 4;
    if (rs_getinfo(got, R_NUMPROCS, 0) != 1 || rs_op(RS_TESTRESOURCE, got, NULL, R_PROCS, (unsigned)cpu) != 1)
        bad |= 8;
    for (int i = 0; i < 1000 && mycpu() != (cpu_t)cpu; i++)
        usleep(1000);
    if (mycpu() != (cpu_t)cpu)
        bad |= 16;
    /* remove the partition: the system default again */
    if (rs_setpartition(RS_MYSELF, RS_DEFAULT, 0) != 0)
        bad |= 32;
    rs_free(got);
    rs_free(one);
    return bad;
}

int main(void)
{
    rsethandle_t part = rs_alloc(RS_PARTITION);
    int nprocs = rs_getinfo(part, R_NUMPROCS, 0);
    EXPECT(nprocs >= 1);
    int cpu = -1;
    int maxprocs = rs_getinfo(part, R_MAXPROCS, 0);
    for (int c = 0; c <= maxprocs; c++)
        if (rs_op(RS_TESTRESOURCE, part, NULL, R_PROCS, (unsigned)c) == 1)
            cpu = c;    /* the last processor of the partition */
    EXPECT(cpu >= 0);

    if (nprocs >= 2) {
        pid_t p = fork();
        if (p == 0)
            _exit(worker(cpu));
        int st = 0;
        waitpid(p, &st, 0);
        EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            printf("ok worker confined to processor %d, then RS_DEFAULT\n", cpu);
    } else {
        printf("one processor in the partition: the narrowing step is not run\n");
    }
    /* the parent's own partition was not touched */
    rsethandle_t mine = rs_alloc(RS_EMPTY);
    EXPECT(rs_getpartition(RS_MYSELF, mine) >= 0);
    EXPECT(rs_op(RS_ISEQUAL, mine, part, 0, 0) == 1);

    rsethandle_t one = rs_alloc(RS_EMPTY);
    rs_op(RS_ADDRESOURCE, one, NULL, R_PROCS, (unsigned)cpu);
    EXPECT_ERR(rs_setpartition(RS_MYSELF, one, 0x40000000), EINVAL);
    rsethandle_t memonly = rs_alloc(RS_EMPTY);
    rs_op(RS_ADDRESOURCE, memonly, NULL, R_MEMPS, 0);
    EXPECT_ERR(rs_setpartition(RS_MYSELF, memonly, 0), ENODEV);
    EXPECT_ERR(rs_setpartition(dead_pid(), one, 0), ESRCH);
    EXPECT_ERR(rs_setpartition(RS_MYSELF, NULL, 0), EFAULT);
    EXPECT(as_nobody(eperm_nobody) == 0);
    if (!fails)
        printf("ok rs_setpartition as nobody -> EPERM\n");
    rs_free(memonly);
    rs_free(one);
    rs_free(mine);
    rs_free(part);
    return finish("setpartition");
}
