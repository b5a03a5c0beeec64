/* Helper for the CLI test (not a test itself): makes a segment the AIX way
 * and prints its shmid, so that `rashm show` / `rashm ls` are checked on a
 * segment another program placed through <sys/rset.h>.
 *   aix_make       64 KiB: [0,32K) P_BALANCED on RS_PARTITION (R_RSET),
 *                  [32K,64K) P_FIRST_TOUCH on SRAD 0 (R_SRADID) */
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/rset.h>
#include <sys/shm.h>

int main(void)
{
    rsethandle_t part = rs_alloc(RS_PARTITION);
    subrange_t v[2];
    memset(v, 0, sizeof v);
    v[0].su_length = 32768;
    v[0].su_rstype = R_RSET;
    v[0].su_rsid.at_rset = part;
    v[0].su_policy = P_BALANCED;
    v[1].su_offset = 32768;
    v[1].su_rstype = R_SRADID;
    v[1].su_rsid.at_sradid = 0;
    v[1].su_policy = P_FIRST_TOUCH;
    int id = ra_shmgetv(IPC_PRIVATE, 65536, IPC_CREAT | 0600, 2, v);
    rs_free(part);
    if (id < 0) {
        perror("ra_shmgetv");
        return 1;
    }
    printf("%d\n", id);
    return 0;
}
