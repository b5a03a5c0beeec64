/* An AIX program written only against the ra_shmget/ra_shmgetv manual page
 * (the seed document): its example, made into a whole program. It must build
 * unchanged with  cc seed_example.c $(pkg-config --cflags --libs rashm)
 * against an installed rashm, as it would on AIX with plain cc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/rset.h>
#include <sys/shm.h>

int main(void)
{
    int flags, shm_id;
    char *shm_at;
    rsethandle_t rsetid;
    subrange_t subranges[2] = { 0 };

    rsetid = rs_alloc(RS_PARTITION);

    subranges[0].su_offset = 0x0000000;
    subranges[0].su_length = 0x2000000;
    subranges[0].su_rstype = R_RSET;
    subranges[0].su_rsid.at_rset = rsetid;
    subranges[0].su_policy = P_BALANCED;

    subranges[1].su_offset = 0x2000000;
    subranges[1].su_length = 0x3000000;
    subranges[1].su_rstype = R_RSET;
    subranges[1].su_rsid.at_rset = rsetid;
    subranges[1].su_policy = P_FIRST_TOUCH;

    flags = (IPC_CREAT | SHM_PIN);
    shm_id = ra_shmgetv (IPC_PRIVATE, 0x5000000, flags,
        sizeof(subranges) / sizeof(subrange_t), subranges
    );
    if (shm_id == -1)
    {
        perror("ra_shmgetv failed!\n");
        exit(1);
    }

    /* "a shmat attachable shared memory region" */
    shm_at = (char *)shmat(shm_id, NULL, 0);
    if (shm_at == (char *)-1) {
        perror("shmat");
        shmctl(shm_id, IPC_RMID, NULL);
        exit(1);
    }
    memset(shm_at, 0x5a, 0x5000000);
    if (shm_at[0] != 0x5a || shm_at[0x4ffffff] != 0x5a) {
        fprintf(stderr, "segment does not hold what was written\n");
        exit(1);
    }
    shmdt(shm_at);
    shmctl(shm_id, IPC_RMID, NULL);

    /* ra_shmget: the whole segment attached to one SRAD (the parameter list
     * of the manual page, with its own types). */
    {
        key_t key = IPC_PRIVATE;
        size64_t size = 0x100000;
        rstype_t rstype = R_SRADID;
        rsid_t rsid;
        unsigned int att_flags = P_DEFAULT;
        int id;

        memset(&rsid, 0, sizeof rsid);
        rsid.at_sradid = 0;
        id = ra_shmget(key, size, IPC_CREAT | 0600, rstype, rsid, att_flags);
        if (id == -1) {
            perror("ra_shmget");
            exit(1);
        }
        shmctl(id, IPC_RMID, NULL);

        /* and to a resource set */
        rsid.at_rset = rsetid;
        id = ra_shmget(key, size, IPC_CREAT | 0600, R_RSET, rsid, P_BALANCED);
        if (id == -1) {
            perror("ra_shmget R_RSET");
            exit(1);
        }
        shmctl(id, IPC_RMID, NULL);
    }

    rs_free(rsetid);
    printf("seed example: ra_shmgetv and ra_shmget OK\n");
    return 0;
}
