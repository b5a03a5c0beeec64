/* ra_attach / ra_detach (AIX 6.1 form, five parameters) for processes and
 * kernel threads, as IBM documents them: a thread attached to an SRAD, a
 * process attached to an rset, and the documented errors. */
#include "common.h"
#include <sys/processor.h>
#include <sys/rset.h>
#include <sys/thread.h>

int main(void)
{
    rsid_t thr, proc, srad, rset;
    thr.at_tid = thread_self();
    proc.at_pid = getpid();
    srad.at_sradid = 0;
    rset.at_rset = rs_alloc(RS_PARTITION);
    rsethandle_t got = rs_alloc(RS_EMPTY), sradrad = rs_alloc(RS_EMPTY);

    /* this thread to SRAD 0, balanced: runs on SRAD 0's processors */
    EXPECT(ra_attach(R_THREAD, thr, R_SRADID, srad, P_BALANCED) == 0);
    EXPECT(ra_getrset(R_THREAD, thr, 0, got) == RS_THREAD_RSET);
    EXPECT(rs_getrad(rset.at_rset, sradrad, (uint_t)rs_getinfo(NULL, R_SRADSDL, 0), 0, 0) == 0);
    EXPECT(rs_op(RS_ISCONTAINED, sradrad, got, R_PROCS, 0) == 1);
    EXPECT(rs_get_homesrad() == 0);
    EXPECT(ra_detach(R_THREAD, thr, R_SRADID, srad, 0) == 0);

    /* the process to its partition rset, first touch */
    EXPECT(ra_attach(R_PROCESS, proc, R_RSET, rset, P_FIRST_TOUCH) == 0);
    EXPECT(ra_getrset(R_PROCESS, proc, 0, got) == RS_EFFECTIVE_RSET);
    EXPECT(ra_detach(R_PROCESS, proc, R_RSET, rset, 0) == 0);

    /* errors */
    EXPECT_ERR(ra_attach(R_PROCESS, proc, R_SRADID, srad, 0), EINVAL);   /* SRADs are for threads */
    EXPECT_ERR(ra_attach(R_THREAD, thr, R_SRADID, srad, 7), EINVAL);     /* policy */
    EXPECT_ERR(ra_attach(R_THREAD, thr, R_SHM, srad, 0), EINVAL);        /* rstype2 */
    rsid_t nosrad;
    nosrad.at_sradid = 30000;
    EXPECT_ERR(ra_attach(R_THREAD, thr, R_SRADID, nosrad, 0), ENODEV);
    rsid_t dead;
    dead.at_pid = dead_pid();
    EXPECT_ERR(ra_attach(R_PROCESS, dead, R_RSET, rset, 0), ESRCH);
    EXPECT_ERR(ra_detach(R_PROCESS, dead, R_RSET, rset, 0), ESRCH);
    EXPECT_ERR(ra_detach(R_PROCESS, proc, R_PROCESS, rset, 0), EINVAL); /* rstype2 */
    EXPECT_ERR(ra_detach(R_THREAD, thr, R_RSET, rset, 0x8), EINVAL);    /* flags */
    rs_free(rset.at_rset);
    rs_free(got);
    rs_free(sradrad);
    return finish("ra_attach_work");
}
