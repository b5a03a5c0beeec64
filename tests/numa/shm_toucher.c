/* A plain System V program, NOT linked with librashm: pins itself to a CPU,
 * attaches a segment with the libc shmat, writes one byte per page of a
 * range, detaches. The guest tests use it as "some other program" attaching
 * a placed segment, to show which placements hold for any process (the
 * kernel's shared policy on 4 KiB segments; huge pages populated by the
 * creator) and which need librashm in the attaching process.
 *
 *   shm_toucher SHMID CPU PAGE_SIZE [OFFSET LENGTH]     (default: the whole segment)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 6) {
        fprintf(stderr, "usage: shm_toucher SHMID CPU PAGE_SIZE [OFFSET LENGTH]\n");
        return 2;
    }
    int shmid = atoi(argv[1]);
    unsigned long long page = strtoull(argv[3], NULL, 0);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(atoi(argv[2]), &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        fprintf(stderr, "shm_toucher: CPU %s: %s\n", argv[2], strerror(errno));
        return 2;
    }
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds) != 0) {
        fprintf(stderr, "shm_toucher: IPC_STAT %d: %s\n", shmid, strerror(errno));
        return 2;
    }
    unsigned long long off = 0, len = ds.shm_segsz;
    if (argc == 6) {
        off = strtoull(argv[4], NULL, 0);
        len = strtoull(argv[5], NULL, 0);
    }
    volatile char *p = shmat(shmid, NULL, 0);
    if (p == (void *)-1) {
        fprintf(stderr, "shm_toucher: shmat %d: %s\n", shmid, strerror(errno));
        return 2;
    }
    for (unsigned long long o = off; o < off + len && page; o += page)
        p[o] = 1;
    shmdt((const void *)p);
    return 0;
}
