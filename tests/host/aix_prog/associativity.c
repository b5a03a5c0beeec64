/* rs_getassociativity as IBM documents it: the associativity array of each
 * processor (arr[0] holds the count), root only, with the documented
 * errors. */
#include "common.h"
#include <sys/rset.h>

static int eperm(void)
{
    uint_t a[8];
    errno = 0;
    return rs_getassociativity(R_PROCS, 0, a, 8) == -1 && errno == EPERM ? 0 : 1;
}

int main(void)
{
    rsethandle_t all = rs_alloc(RS_SYSTEM);
    int maxcpu = rs_getinfo(all, R_MAXPROCS, 0);
    uint_t a[8];
    for (int c = 0; c < maxcpu; c++) {
        if (rs_op(RS_TESTRESOURCE, all, NULL, R_PROCS, (uint_t)c) != 1)
            continue;
        memset(a, 0xff, sizeof a);
        EXPECT(rs_getassociativity(R_PROCS, (uint_t)c, a, 8) == 0);
        EXPECT(a[0] > 0 && a[0] <= 7);
        /* the last domain is the processor itself */
        EXPECT(a[a[0]] == (uint_t)c);
        printf("cpu %d:", c);
        for (uint_t i = 1; i <= a[0] && i < 8; i++)
            printf(" %u", a[i]);
        printf("\n");
    }
    /* a short array gets what fits */
    EXPECT(rs_getassociativity(R_PROCS, 0, a, 2) == 0 && a[0] == 1);
    EXPECT_ERR(rs_getassociativity(R_MEMPS, 0, a, 8), EINVAL);   /* type */
    EXPECT_ERR(rs_getassociativity(R_PROCS, 0, a, 0), EINVAL);   /* size */
    EXPECT_ERR(rs_getassociativity(R_PROCS, 0, NULL, 8), EFAULT);
    EXPECT_ERR(rs_getassociativity(R_PROCS, 100000, a, 8), ENODEV);
    EXPECT(as_nobody(eperm) == 0);
    rs_free(all);
    return finish("associativity");
}
