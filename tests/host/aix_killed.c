/* A creator killed in the middle of ra_shmget leaves nothing for good.
 *
 * A child asks for 1 GiB of 4 KiB pages with SHM_PIN (lock + populate:
 * long enough to be caught half-way) and is killed (SIGKILL) while the
 * segment fills. The segment is there after the kill (a dead process
 * cleans nothing); the next library call that collects (rashm_list,
 * rashm_create, ra_get_attachinfo) removes it because its registry record
 * says "being created by <pid>" and that process is gone. Cases:
 *   - a normal creation leaves no creation record behind;
 *   - a stopped creator (alive, attached) is left alone, then killed and
 *     reaped: collected by rashm_list;
 *   - a killed creator not reaped yet (a zombie): collected by rashm_list;
 *   - killed and reaped: collected by ra_get_attachinfo;
 *   - killed and reaped: collected by the next ra_shmget (rashm_create).
 * The registry is a private directory (RASHM_REGISTRY_DIR), so tests
 * running in parallel cannot collect the segment before this one looks. */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/rset.h>
#include <time.h>

#include <rashm.h>

#define BIG (1ull << 30)

static char regdir[64];
static char userdir[96];

struct seg_row {
    int id;
    long long size, nattch, rss;
};

/* The segment created by pid, from /proc/sysvipc/shm; 0 if found. */
static int seg_of(pid_t pid, struct seg_row *out)
{
    char line[512];
    int found = 0;
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    if (!f)
        return -1;
    if (fgets(line, sizeof line, f))
        while (!found && fgets(line, sizeof line, f)) {
            long long key, id, perms, size, cpid, lpid, nattch, uid, gid, cuid, cgid, at, dt, ct, rss;
            if (sscanf(line, "%lld %lld %llo %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld", &key,
                       &id, &perms, &size, &cpid, &lpid, &nattch, &uid, &gid, &cuid, &cgid, &at, &dt, &ct,
                       &rss) == 15 &&
                cpid == pid) {
                out->id = (int)id;
                out->size = size;
                out->nattch = nattch;
                out->rss = rss;
                found = 1;
            }
        }
    fclose(f);
    return found ? 0 : -1;
}

static int seg_exists(int id)
{
    struct shmid_ds ds;
    return shmctl(id, IPC_STAT, &ds) == 0;
}

/* Files named prefix* in this user's registry directory. */
static int reg_files(const char *prefix)
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

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Starts a child that creates a pinned 1 GiB segment balanced over SRAD 0
 * and waits until the segment is being populated (rss > 0, not all of it:
 * the creator is past shmget, its record and its attach). Returns the
 * child's pid and the segment in *row, or -1 (the child is reaped then). */
static pid_t start_creator(struct seg_row *row)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        rsid_t r = {.at_sradid = 0};
        int id = ra_shmget(IPC_PRIVATE, BIG, IPC_CREAT | SHM_PIN | 0600, R_SRADID, r, P_BALANCED);
        _exit(id >= 0 ? 0 : 1);
    }
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (now = t0; now.tv_sec - t0.tv_sec < 30; clock_gettime(CLOCK_MONOTONIC, &now)) {
        if (seg_of(pid, row) == 0 && row->rss > 0) {
            if (row->rss >= row->size)
                break;        /* finished before we saw it half-way */
            return pid;
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "creator %d ended (status 0x%x) before it was seen populating\n", (int)pid, st);
            if (seg_of(pid, row) == 0)
                shmctl(row->id, IPC_RMID, NULL);
            return -1;
        }
        sched_yield();
    }
    fprintf(stderr, "creator %d not caught populating its segment\n", (int)pid);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    if (seg_of(pid, row) == 0)
        shmctl(row->id, IPC_RMID, NULL);
    return -1;
}

static void kill_and_reap(pid_t pid)
{
    kill(pid, SIGKILL);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* What a killed creator leaves: the segment, half populated, no longer
 * attached, with its creation record and no placement entry. */
static void check_left_behind(const struct seg_row *row)
{
    struct shmid_ds ds;
    CHECK_EQ(shmctl(row->id, IPC_STAT, &ds), 0);
    CHECK_EQ(ds.shm_nattch, 0);
    CHECK_EQ(reg_files("new."), 1);
    CHECK_EQ(reg_files("seg."), 0);
}

static int list_has(int id)
{
    struct rashm_seg_info *v = NULL;
    int n = rashm_list(&v);
    CHECK(n >= 0);
    int has = 0;
    for (int i = 0; i < n; i++)
        has |= v[i].shmid == id;
    free(v);
    return has;
}

/* The segment must be gone; if it is not, remove it so the rest of the
 * suite's leak checks stay clean (the failure is already counted). */
static void check_gone(int id, int line)
{
    if (seg_exists(id)) {
        fprintf(stderr, "%s:%d: shmid %d left by a killed creator is still there\n", __FILE__, line, id);
        check_failures++;
        shmctl(id, IPC_RMID, NULL);
    }
    if (reg_files("new.") != 0) {
        fprintf(stderr, "%s:%d: a creation record is still there\n", __FILE__, line);
        check_failures++;
    }
}

static void normal_creation(void)
{
    rsid_t r = {.at_sradid = 0};
    int id = ra_shmget(IPC_PRIVATE, 16 << 20, IPC_CREAT | SHM_PIN | 0600, R_SRADID, r, P_BALANCED);
    CHECK(id >= 0);
    CHECK_EQ(reg_files("seg."), 1);
    CHECK_EQ(reg_files("new."), 0);   /* complete: no "being created" record */
    CHECK(list_has(id));              /* collection leaves finished segments alone */
    RMID(id);
    CHECK_EQ(reg_files("seg."), 0);
}

static void stopped_then_killed(void)
{
    struct seg_row row;
    pid_t pid = start_creator(&row);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    kill(pid, SIGSTOP);
    int st;
    CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
    /* alive (stopped half-way): nobody may take its segment */
    CHECK(list_has(row.id));
    CHECK(seg_exists(row.id));
    CHECK_EQ(reg_files("new."), 1);
    kill_and_reap(pid);
    struct shmid_ds ds;
    CHECK_EQ(shmctl(row.id, IPC_STAT, &ds), 0);
    CHECK((long long)ds.shm_segsz == row.size);
    check_left_behind(&row);
    CHECK(!list_has(row.id));         /* the next rashm_list collects it */
    check_gone(row.id, __LINE__);
}

static void zombie(void)
{
    struct seg_row row;
    pid_t pid = start_creator(&row);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    /* not reaped: /proc/PID is still there, as a zombie; wait until its
     * memory (and so its attach) is gone */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK_EQ(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
    struct shmid_ds ds;
    for (int i = 0; i < 5000 && shmctl(row.id, IPC_STAT, &ds) == 0 && ds.shm_nattch; i++)
        sleep_ms(1);
    check_left_behind(&row);
    CHECK(!list_has(row.id));
    check_gone(row.id, __LINE__);
    CHECK_EQ(waitpid(pid, NULL, 0), pid);
}

static void by_attachinfo(void)
{
    struct seg_row row;
    pid_t pid = start_creator(&row);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    kill_and_reap(pid);
    check_left_behind(&row);
    rsid_t r = {.at_shmid = row.id};
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, r, 0, 0, 0);
    CHECK(ai == NULL);                /* never placed: no attachment */
    check_gone(row.id, __LINE__);
}

static void by_next_create(void)
{
    struct seg_row row;
    pid_t pid = start_creator(&row);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    kill_and_reap(pid);
    check_left_behind(&row);
    rsid_t r = {.at_sradid = 0};
    int id = ra_shmget(IPC_PRIVATE, 1 << 20, IPC_CREAT | 0600, R_SRADID, r, P_FIRST_TOUCH);
    CHECK(id >= 0);
    check_gone(row.id, __LINE__);
    RMID(id);
}

int main(void)
{
    check_begin();
    /* SHM_PIN locks 1 GiB: root, or a memlock limit that allows it */
    struct rlimit rl;
    if (geteuid() != 0 && (getrlimit(RLIMIT_MEMLOCK, &rl) || (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < BIG))) {
        fprintf(stderr, "skip: SHM_PIN of 1 GiB needs root or RLIMIT_MEMLOCK >= 1 GiB\n");
        return TEST_SKIP;
    }
    snprintf(regdir, sizeof regdir, "/tmp/rashm-killed.XXXXXX");
    if (!mkdtemp(regdir)) {
        perror("mkdtemp");
        return 1;
    }
    setenv("RASHM_REGISTRY_DIR", regdir, 1);
    snprintf(userdir, sizeof userdir, "%s/%u", regdir, (unsigned)geteuid());

    normal_creation();
    stopped_then_killed();
    zombie();
    by_attachinfo();
    by_next_create();

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", regdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", regdir);
    return check_end();
}
