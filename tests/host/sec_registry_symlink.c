/* Attacks on root through symbolic links in the registry (issue 7, defects
 * 1 and 3), written as the attack: user nobody prepares the registry, root
 * then places nobody's segment (ra_attach R_SHM, as an administrator's
 * tool would) or lists segments (rashm ls).
 *
 *  1. nobody plants seg.<id> -> a root file, and links under every temporary
 *     name the old code used (seg.<id>.tmp.<pid>): root's placement records
 *     the segment and the root file is untouched.
 *  2. nobody replaces its own registry directory with a link to a root
 *     directory holding seg.N / *.tmp.N / new.N / tmp.* files: root's
 *     placement writes nothing there, root's rashm_list deletes nothing
 *     there, and the link is moved out of the way.
 *  3. nobody's (real) directory holds links named like stale entries that
 *     point at root files: pruning removes the links, never their targets.
 *  4. nobody's entry is a FIFO: root's readers do not wait on it. */
#define _GNU_SOURCE
#include "sec.h"

#include <sys/rset.h>

#include <rashm.h>

static char target[128], victim_dir[128], nobody_dir[128];
static const char *precious = "root's file, not to be touched\n";

struct seg_arg {
    int fd;
};

/* nobody: a plain segment root can place (mode 0644), id to the pipe. */
static int nobody_creates(void *p)
{
    struct seg_arg *a = p;
    int id = shmget(IPC_PRIVATE, 4 * (size_t)page_size(), IPC_CREAT | 0644);
    if (write(a->fd, &id, sizeof id) != sizeof id)
        return 1;
    return id >= 0 ? 0 : 1;
}

static int id_for_plant;

/* nobody: its own directory with the links root would write through. */
static int nobody_plants_links(void *p)
{
    (void)p;
    int fails = 0;
    if (mkdir(nobody_dir, 0755) && errno != EEXIST)
        return 10;
    char path[256];
    snprintf(path, sizeof path, "%s/seg.%d", nobody_dir, id_for_plant);
    fails += symlink(target, path) != 0;
    /* the temporary names the old code used: seg.<id>.tmp.<writer pid> */
    for (int pid = getppid() - 5; pid < getppid() + 200; pid++) {
        snprintf(path, sizeof path, "%s/seg.%d.tmp.%d", nobody_dir, id_for_plant, pid);
        fails += symlink(target, path) != 0;
    }
    return fails;
}

/* nobody: its registry directory becomes a link to root's victim_dir. */
static int nobody_swaps_dir(void *p)
{
    (void)p;
    char aside[160];
    snprintf(aside, sizeof aside, "%s/mine", sec_reg);
    if (rename(nobody_dir, aside))
        return 1;
    return symlink(victim_dir, nobody_dir) ? 2 : 0;
}

/* nobody: links named like stale entries and temporaries of dead writers,
 * pointing at root's file. */
static int nobody_plants_stale_links(void *p)
{
    (void)p;
    int fails = 0;
    if (mkdir(nobody_dir, 0755) && errno != EEXIST)
        return 10;
    const char *names[] = {"seg.77777", "seg.5.tmp.1", "tmp.1.1.1.0000000000000001", "new.1.1.1.0000000000000001"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", nobody_dir, names[i]);
        fails += symlink(target, path) != 0;
    }
    return fails;
}

static int victim_files_intact(void)
{
    static const char *names[] = {"seg.99999", "seg.5.tmp.1", "x.tmp.2", "new.7", "tmp.1.2.3.0000000000000001"};
    int ok = sec_count(victim_dir) == (int)(sizeof names / sizeof names[0]);
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", victim_dir, names[i]);
        ok &= sec_file_is(path, precious);
    }
    return ok;
}

/* nobody: its entry becomes a FIFO (an open for reading would wait for a
 * writer that never comes). */
static int nobody_fifo(void *p)
{
    (void)p;
    char path[256];
    snprintf(path, sizeof path, "%s/seg.%d", nobody_dir, id_for_plant);
    unlink(path);
    return mkfifo(path, 0644) ? 1 : 0;
}

/* root: every reader of the entry, under a watchdog. */
static int root_reads(void *p)
{
    (void)p;
    alarm(20);
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, shm_id(id_for_plant), 0, 0, 0);
    if (ai == (attachinfo_t *)-1)
        return 1;
    if (ai) {
        ra_free_attachinfo(ai);
        return 2;                 /* a FIFO is no entry */
    }
    struct rashm_placement *q = rashm_query(id_for_plant);
    if (!q || q->registered)
        return 3;
    rashm_placement_free(q);
    struct rashm_seg_info *v = NULL;
    if (rashm_list(&v) < 0)
        return 4;
    free(v);
    return 0;
}

int main(void)
{
    sec_isolate();
    check_begin();
    snprintf(target, sizeof target, "%s/target", sec_base);
    snprintf(victim_dir, sizeof victim_dir, "%s/victim", sec_base);
    snprintf(nobody_dir, sizeof nobody_dir, "%s/%d", sec_reg, NOBODY);
    CHECK_EQ(sec_write_file(target, precious, 0644), 0);
    CHECK_EQ(mkdir(victim_dir, 0755), 0);
    static const char *vnames[] = {"seg.99999", "seg.5.tmp.1", "x.tmp.2", "new.7", "tmp.1.2.3.0000000000000001"};
    for (unsigned i = 0; i < sizeof vnames / sizeof vnames[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", victim_dir, vnames[i]);
        CHECK_EQ(sec_write_file(path, precious, 0644), 0);
    }
    struct stat before;
    CHECK_EQ(stat(target, &before), 0);

    /* nobody's segment */
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    struct seg_arg a = {fds[1]};
    CHECK_EQ(sec_run_as(NOBODY, nobody_creates, &a), 0);
    int id = -1;
    CHECK_EQ(read(fds[0], &id, sizeof id), (long)sizeof id);
    close(fds[0]);
    close(fds[1]);
    CHECK(id >= 0);
    if (id < 0)
        return check_end();

    /* 1. links where root writes the entry */
    id_for_plant = id;
    CHECK_EQ(sec_run_as(NOBODY, nobody_plants_links, NULL), 0);
    CHECK_EQ(ra_attach(R_SHM, shm_id(id), R_SRADID, srad_id(0), P_BALANCED), 0);
    CHECK(sec_file_is(target, precious));
    struct stat after;
    CHECK_EQ(stat(target, &after), 0);
    CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
    CHECK_EQ(after.st_uid, 0);
    CHECK_EQ(after.st_mode & 07777, 0644);
    /* the entry replaced the planted link: a regular file that belongs to
     * nobody (root wrote it with nobody's filesystem uid) */
    char entry[256];
    snprintf(entry, sizeof entry, "%s/seg.%d", nobody_dir, id);
    struct stat es;
    CHECK_EQ(lstat(entry, &es), 0);
    CHECK(S_ISREG(es.st_mode));
    CHECK_EQ(es.st_uid, NOBODY);
    attachinfo_t *ai = ra_get_attachinfo(R_SHM, shm_id(id), 0, 0, 0);
    CHECK(ai != NULL && ai != (attachinfo_t *)-1);
    if (ai && ai != (attachinfo_t *)-1) {
        CHECK_EQ(ai->at_policy, P_BALANCED);
        ra_free_attachinfo(ai);
    }

    /* 2. nobody's directory becomes a link to a root directory */
    CHECK_EQ(sec_run_as(NOBODY, nobody_swaps_dir, NULL), 0);
    /* root places again: refused directory, placement still done, nothing
     * written through the link */
    CHECK_EQ(ra_attach(R_SHM, shm_id(id), R_SRADID, srad_id(0), P_FIRST_TOUCH), 0);
    CHECK(victim_files_intact());
    /* root lists (full prune: the first one in this registry is due) */
    struct rashm_seg_info *v = NULL;
    int n = rashm_list(&v);
    CHECK(n >= 1);
    free(v);
    CHECK(victim_files_intact());
    CHECK(sec_file_is(target, precious));
    struct stat ls;
    /* root moved the link out of the way: nobody's next creation makes a
     * real directory again */
    CHECK(lstat(nobody_dir, &ls) != 0 || S_ISDIR(ls.st_mode));
    CHECK(victim_files_intact());

    /* 3. links named like stale files in a real directory of nobody's */
    CHECK_EQ(sec_run_as(NOBODY, nobody_plants_stale_links, NULL), 0);
    char stamp[160];
    snprintf(stamp, sizeof stamp, "%s/.prune", sec_reg);
    CHECK_EQ(unlink(stamp), 0);   /* make root's next full prune due */
    v = NULL;
    n = rashm_list(&v);
    CHECK(n >= 1);
    free(v);
    CHECK(sec_file_is(target, precious));
    CHECK(victim_files_intact());
    char path[256];
    snprintf(path, sizeof path, "%s/seg.77777", nobody_dir);
    CHECK(lstat(path, &ls) != 0);   /* the stale link itself went */

    /* 4. a FIFO for an entry */
    CHECK_EQ(sec_run_as(NOBODY, nobody_fifo, NULL), 0);
    CHECK_EQ(in_child(root_reads, NULL), 0);

    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
    CHECK_EQ(sec_segments(), 0);
    return check_end();
}
