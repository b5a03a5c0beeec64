/* Placement is observable from any process (argv[1]: "4k" or "huge"):
 *  - a segment created here is queried by another program (fork + exec of
 *    this binary, so nothing is inherited but the shmid) and the other way
 *    round (a child creates and exits, this process queries);
 *  - after a placed segment is removed and its shmid is handed to a plain
 *    shmget segment, no process sees the old attachment (the kernel lets
 *    root choose the next id through /proc/sys/kernel/shm_next_id, which is
 *    how the id is made to come back without 4 million create/remove
 *    rounds: Linux ids carry a sequence number). Two reuses: by another
 *    process, and by this process a second later. Note: the kernel sets the
 *    shm file's inode number to the shmid (ipc/shm.c, newseg), so the inode
 *    seen in /proc/PID/maps identifies the id, not the segment. */
#define _GNU_SOURCE
#include "check.h"
#include "host.h"

#include <numaif.h>
#include <time.h>
#include <sys/rset.h>

static size_t pgsz;
static int hugeflag;
static const char *self;

/* One attachment for [off, off+len), of this type and policy. */
static int has_attach(int id, off64_t off, size64_t len, rstype_t t, unsigned pol)
{
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, shm_id(id), off, len, 0);
    if (ai == NULL || ai == (attachinfo_t *)-1) {
        fprintf(stderr, "pid %d: ra_get_attachinfo(%d): %s\n", getpid(), id,
                ai ? strerror(errno) : "no attachment");
        return 0;
    }
    int ok = ai->at_rstype == t && ai->at_policy == pol && !ai->next_resource;
    if (!ok)
        fprintf(stderr, "pid %d: shmid %d [%lld,+%llu): rstype %d policy %u, expected %d %u\n", getpid(), id,
                (long long)off, (unsigned long long)len, ai->at_rstype, ai->at_policy, t, pol);
    ra_free_attachinfo(ai);
    return ok;
}

static subrange_t v[2];
static rsethandle_t part;

static int create_placed(void)
{
    memset(v, 0, sizeof v);
    v[0].su_offset = 0;
    v[0].su_length = 2 * pgsz;
    v[0].su_rstype = R_RSET;
    v[0].su_rsid.at_rset = part;
    v[0].su_policy = P_BALANCED;
    v[1].su_offset = 2 * pgsz;
    v[1].su_length = 2 * pgsz;
    v[1].su_rstype = R_SRADID;
    v[1].su_rsid.at_sradid = 0;
    v[1].su_policy = P_FIRST_TOUCH;
    return ra_shmgetv(IPC_PRIVATE, 4 * pgsz, IPC_CREAT | hugeflag | 0600, 2, v);
}

/* What the other program checks: the two ranges, then it attaches and
 * touches and the pages are resident (on node 0, the only node). */
static int query_main(int id, int expect_placed)
{
    if (!expect_placed) {
        errno = 0;
        attachinfo_t *ai = ra_get_attachinfo(R_SHM, shm_id(id), 0, 0, 0);
        if (ai != NULL) {
            fprintf(stderr, "pid %d: shmid %d was reused by a plain segment but ra_get_attachinfo says %s",
                    getpid(), id, ai == (attachinfo_t *)-1 ? strerror(errno) : "");
            for (attachinfo_t *a = ai; a != (attachinfo_t *)-1 && a; a = a->next_resource)
                fprintf(stderr, "[rstype %d policy %u] ", a->at_rstype, a->at_policy);
            fputc('\n', stderr);
            if (ai != (attachinfo_t *)-1)
                ra_free_attachinfo(ai);
            return 1;
        }
        return 0;
    }
    int ok = has_attach(id, 0, 2 * pgsz, R_RSET, P_BALANCED) &&
             has_attach(id, 2 * pgsz, 2 * pgsz, R_SRADID, P_FIRST_TOUCH) &&
             has_attach(id, 3 * pgsz, 0, R_SRADID, P_FIRST_TOUCH);
    char *p = shmat(id, NULL, 0);
    if (p == (char *)-1) {
        perror("shmat");
        return 1;
    }
    memset(p, 7, 4 * pgsz);
    void *pages[4];
    int status[4];
    for (int i = 0; i < 4; i++)
        pages[i] = p + i * pgsz;
    if (move_pages(0, 4, pages, NULL, status, 0) != 0) {
        perror("move_pages");
        ok = 0;
    }
    for (int i = 0; i < 4; i++)
        if (status[i] != 0) {
            fprintf(stderr, "page %d: status %d\n", i, status[i]);
            ok = 0;
        }
    shmdt(p);
    return ok ? 0 : 1;
}

static int run_query(int id, int expect_placed)
{
    char ids[32], pg[32], ex[8];
    snprintf(ids, sizeof ids, "%d", id);
    snprintf(pg, sizeof pg, "%s", hugeflag ? "huge" : "4k");
    snprintf(ex, sizeof ex, "%d", expect_placed);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, pg, "query", ids, ex, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int child_creates(void *out)
{
    int id = create_placed();
    /* hand the id back through a pipe written by the caller's arg */
    int fd = *(int *)out;
    if (write(fd, &id, sizeof id) != sizeof id)
        return 1;
    return id >= 0 ? 0 : 1;
}

static void created_here_seen_there(void)
{
    int id = create_placed();
    CHECK(id >= 0);
    if (id < 0)
        return;
    CHECK_EQ(run_query(id, 1), 0);
    /* a second process attaching again sees the same thing */
    CHECK_EQ(run_query(id, 1), 0);
    RMID(id);
}

static void created_there_seen_here(void)
{
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    int wfd = fds[1];
    CHECK_EQ(in_child(child_creates, &wfd), 0);
    int id = -1;
    CHECK_EQ(read(fds[0], &id, sizeof id), (long)sizeof id);
    close(fds[0]);
    close(fds[1]);
    CHECK(id >= 0);
    if (id < 0)
        return;
    /* the creator is gone: this process and a third one still see it */
    CHECK(has_attach(id, 0, 2 * pgsz, R_RSET, P_BALANCED));
    CHECK(has_attach(id, 2 * pgsz, 2 * pgsz, R_SRADID, P_FIRST_TOUCH));
    CHECK_EQ(run_query(id, 1), 0);
    RMID(id);
}

/* Makes the next shmget return `id`; 0 on success. */
static int set_next_id(int id)
{
    FILE *f = fopen("/proc/sys/kernel/shm_next_id", "w");
    if (!f)
        return -1;
    int ok = fprintf(f, "%d\n", id) > 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Creates a plain segment that gets shmid `want` (through shm_next_id);
 * returns the id it got (another test may take `want` first: the caller
 * retries), or -1. */
static int plain_on_id(int want)
{
    if (set_next_id(want) != 0) {
        fprintf(stderr, "cannot write /proc/sys/kernel/shm_next_id: %s\n", strerror(errno));
        return -1;
    }
    return shmget(IPC_PRIVATE, 4 * pgsz, IPC_CREAT | hugeflag | 0600);
}

struct reuse_arg {
    int want, fd;
};

/* Child: puts a plain segment on the id and reports it. */
static int plain_on_id_child(void *p)
{
    struct reuse_arg *a = p;
    int got = plain_on_id(a->want);
    return write(a->fd, &got, sizeof got) == sizeof got ? 0 : 1;
}

/* Takes a placed segment's id away from it and gives it to a plain segment
 * made by `by_child` ? another process : this one. Returns the reused id
 * (the caller removes it) or -1. */
static int reuse_id(int by_child)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        int id = create_placed();
        CHECK(id >= 0);
        if (id < 0)
            return -1;
        CHECK(has_attach(id, 0, 2 * pgsz, R_RSET, P_BALANCED));
        RMID(id);
        int got;
        if (by_child) {
            int fds[2];
            CHECK_EQ(pipe(fds), 0);
            struct reuse_arg a = { id, fds[1] };
            CHECK_EQ(in_child(plain_on_id_child, &a), 0);
            got = -1;
            CHECK_EQ(read(fds[0], &got, sizeof got), (long)sizeof got);
            close(fds[0]);
            close(fds[1]);
        } else {
            /* Identity can only rest on what IPC_STAT shows (key, creator,
             * size, creation time in seconds): the same process reusing the
             * id with the same key and size is distinguishable once the
             * second has changed, which any real wrap-around of the 64x65536
             * id space takes far longer than. */
            time_t t0 = time(NULL);
            while (time(NULL) == t0)
                usleep(10000);
            got = plain_on_id(id);
        }
        if (got == id)
            return got;
        if (got < 0)
            return -1;
        RMID(got);
    }
    fprintf(stderr, "could not get the id back in 20 tries\n");
    return -1;
}

static void no_stale_attachment_after_reuse(void)
{
    for (int by_child = 1; by_child >= 0; by_child--) {
        int reused = reuse_id(by_child);
        CHECK(reused >= 0);
        if (reused < 0)
            continue;
        /* here and in another process: a plain segment, no attachment */
        errno = 0;
        attachinfo_t *ai = ra_get_attachinfo(R_SHM, shm_id(reused), 0, 0, 0);
        if (ai != NULL) {
            fprintf(stderr, "shmid %d reused by a plain segment made by %s: ra_get_attachinfo reports %s\n", reused,
                    by_child ? "another process" : "this process a second later",
                    ai == (attachinfo_t *)-1 ? strerror(errno) : "the removed segment's attachment");
            check_failures++;
            if (ai != (attachinfo_t *)-1)
                ra_free_attachinfo(ai);
        }
        CHECK_EQ(run_query(reused, 0), 0);
        RMID(reused);
    }

    /* a placed segment created on a reused id reports its own attachment */
    int id = create_placed();
    CHECK(id >= 0);
    if (id < 0)
        return;
    RMID(id);
    CHECK_EQ(set_next_id(id), 0);
    rsid_t r;
    memset(&r, 0, sizeof r);
    r.at_sradid = 0;
    int again = ra_shmget(IPC_PRIVATE, 4 * pgsz, IPC_CREAT | hugeflag | 0600, R_SRADID, r, P_DEFAULT);
    CHECK(again >= 0);
    if (again >= 0) {
        if (again == id)
            CHECK(has_attach(again, 0, 0, R_SRADID, P_DEFAULT));
        RMID(again);
    }
}

int main(int argc, char **argv)
{
    self = "/proc/self/exe";
    int huge = argc > 1 && !strcmp(argv[1], "huge");
    pgsz = huge ? HUGE_2M : (size_t)page_size();
    hugeflag = huge ? SHM_HUGETLB : 0;
    if (argc > 4 && !strcmp(argv[2], "query"))
        return query_main(atoi(argv[3]), atoi(argv[4]));

    check_begin();
    part = rs_alloc(RS_PARTITION);
    CHECK(part != NULL);
    created_here_seen_there();
    created_there_seen_here();
    no_stale_attachment_after_reuse();
    rs_free(part);
    return check_end();
}
