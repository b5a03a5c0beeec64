/* shm_hold SHMID: attaches a segment and keeps it attached until killed
 * (at most a minute), so a test can see a removed-but-attached segment. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/shm.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    void *p = shmat(atoi(argv[1]), NULL, SHM_RDONLY);
    if (p == (void *)-1) {
        perror("shmat");
        return 1;
    }
    sleep(60);
    shmdt(p);
    return 0;
}
