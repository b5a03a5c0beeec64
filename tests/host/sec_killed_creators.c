/* Killed creators leak nothing (issue 7, defect 7), written as the attack:
 * KILLS children each create and remove small segments in a loop (every
 * other child through ra_shmget, the others through rashm_create) and are
 * killed with SIGKILL a random delay in [0, 300] us after they said they are
 * about to create - before, during
 * or after shmget, the creation record, the placement, the entry, the
 * removal. Then one collector (rashm_list, as root: its own directory is
 * always pruned) runs, and:
 *   - every segment left is a complete creation (its rashm_create was
 *     returning or had returned: valid registry entry, no creation record),
 *     which is the caller's to remove like any segment it made;
 *   - no creation record and no temporary file is left;
 *   - once those complete segments are removed, neither segments nor files.
 * Also: a record whose content is empty (forged or legacy) whose creator is
 * gone is deleted. Own IPC namespace and registry (sec.h), so every segment
 * and file counted is this test's. Prints what the kills left. */
#define _GNU_SOURCE
#include "sec.h"

#include <signal.h>
#include <sys/rset.h>

#include <rashm.h>

#define KILLS 1000
#define MAX_DELAY_US 300

static char userdir[160];

static void creator_loop(int aix, int ready)
{
    /* a child's first creation is slow (milliseconds: first touches of
     * copied-on-write memory); the following ones take ~200-300 us, which
     * the delay range covers, so the kill can land anywhere in a cycle */
    int warm = rashm_create(IPC_PRIVATE, 64 << 10, IPC_CREAT | 0600, NULL, 0, 0, NULL, NULL);
    if (warm < 0 || rashm_remove(warm))
        _exit(5);
    char c = 1;
    if (write(ready, &c, 1) != 1)
        _exit(2);
    for (;;) {
        int id;
        if (aix)
            id = ra_shmget(IPC_PRIVATE, 64 << 10, IPC_CREAT | 0600, R_SRADID, srad_id(0), P_BALANCED);
        else
            id = rashm_create(IPC_PRIVATE, 64 << 10, IPC_CREAT | 0600, NULL, 0, RASHM_POPULATE, NULL, NULL);
        if (id < 0)
            _exit(3);
        if (rashm_remove(id))
            _exit(4);
    }
}

static int files_named(const char *prefix)
{
    DIR *d = opendir(userdir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static unsigned long long ns_ino(const char *which)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/self/ns/%s", which);
    return stat(path, &st) ? 0 : (unsigned long long)st.st_ino;
}

int main(void)
{
    sec_isolate();
    check_begin();
    snprintf(userdir, sizeof userdir, "%s/0", sec_reg);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());

    /* warm up in the parent: topology, partition, registry directories
     * (children inherit them, so they reach shmget within the delay range) */
    int id = rashm_create(IPC_PRIVATE, 64 << 10, IPC_CREAT | 0600, NULL, 0, 0, NULL, NULL);
    CHECK(id >= 0);
    CHECK_EQ(rashm_remove(id), 0);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int early_exits = 0, left_record = 0, left_segment = 0, left_tmp = 0;
    pid_t last_dead = 0;
    for (int k = 0; k < KILLS; k++) {
        fflush(stderr);
        int pfd[2];
        if (pipe(pfd)) {
            perror("pipe");
            check_failures++;
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            check_failures++;
            break;
        }
        if (pid == 0)
            creator_loop(k & 1, pfd[1]);
        /* the delay runs from the moment the child is about to create */
        char c;
        CHECK_EQ(read(pfd[0], &c, 1), 1);
        close(pfd[0]);
        close(pfd[1]);
        int delay = rand() % (MAX_DELAY_US + 1);
        if (delay) {
            struct timespec ts = {0, delay * 1000L};
            nanosleep(&ts, NULL);
        }
        kill(pid, SIGKILL);
        int st;
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        if (!WIFSIGNALED(st)) {
            early_exits++;
            fprintf(stderr, "creator %d exited with status %d before the kill\n", (int)pid, WEXITSTATUS(st));
        }
        last_dead = pid;
        /* what this kill left for a collector (the next child's creation
         * collects it: each creation prunes its creator's directory) */
        int recs = files_named("new.");
        left_record += recs > 0;
        left_segment += recs > 0 && sec_segments() > 0;
        left_tmp += files_named("tmp.") > 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK_EQ(early_exits, 0);

    /* a record with nothing in it, of a creator that is gone */
    char empty[256];
    snprintf(empty, sizeof empty, "%s/new.%llu.%d.1.00000000000000aa", userdir, ns_ino("pid"), (int)last_dead);
    CHECK_EQ(sec_write_file(empty, "", 0644), 0);

    int segs_before = sec_segments();
    int recs_before = files_named("new.");
    int tmps_before = files_named("tmp.");
    int entries_before = files_named("seg.");

    struct rashm_seg_info *v = NULL;
    int n = rashm_list(&v);
    CHECK(n >= 0);

    int complete = 0;
    for (int i = 0; i < n; i++) {
        /* what is left must be a creation that completed */
        CHECK_EQ(v[i].registered, 1);
        CHECK_EQ(v[i].nattch, 0);
        complete++;
    }
    CHECK_EQ(sec_segments(), n);
    CHECK_EQ(files_named("new."), 0);
    CHECK_EQ(files_named("tmp."), 0);
    CHECK_EQ(files_named("seg."), complete);
    CHECK_EQ(sec_count(userdir), complete);
    printf("%d kills in %.2f s (delay 0-%d us after the child's warm-up): %d kills left a creation record "
           "(%d with a segment, %d a temporary file) for the next creation to collect; before the final "
           "collection %d segments, %d records, %d temporaries, %d entries; the collector removed %d "
           "segments; left: %d complete creations (recorded, removed by the test), 0 records, 0 temporaries\n",
           KILLS, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, MAX_DELAY_US, left_record,
           left_segment, left_tmp, segs_before, recs_before, tmps_before, entries_before, segs_before - n,
           complete);
    for (int i = 0; i < n; i++)
        CHECK_EQ(rashm_remove(v[i].shmid), 0);
    free(v);
    CHECK_EQ(sec_segments(), 0);
    CHECK_EQ(sec_count(userdir), 0);
    return check_end();
}
