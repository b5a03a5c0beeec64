/* The registry belongs to nobody who creates it first (issue 7, defect 3),
 * written as the attack by user nobody:
 *  1. nobody pre-creates the per-uid directories of uid 4242 and of root:
 *     4242's creation still succeeds (not EPERM: this was reported as a
 *     partition error), unrecorded, with one line on stderr; root's creation
 *     succeeds and is recorded (root moves the foreign directory aside);
 *     after root's rashm_list 4242's creations are recorded again.
 *  2. nobody creates the top directory (0755) before root: root's creations
 *     succeed, the registry is refused with one clear line (once per
 *     process), nothing is written into nobody's directory.
 *  3. the top directory is a link, or root's but world-writable without the
 *     sticky bit: refused the same way.
 *  4. a missing top directory is created by root as 1777 root:root. */
#define _GNU_SOURCE
#include "sec.h"

#include <rashm.h>

#define VICTIM 4242

static char out_path[160];

static int dir_owner(const char *path, uid_t *uid, mode_t *mode)
{
    struct stat st;
    if (lstat(path, &st) || !S_ISDIR(st.st_mode))
        return -1;
    *uid = st.st_uid;
    *mode = st.st_mode & 07777;
    return 0;
}

/* Entries of sec_reg whose name starts with prefix. */
static int reg_names(const char *prefix)
{
    DIR *d = opendir(sec_reg);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static int mkdir_as_nobody(void *p)
{
    const char *path = p;
    if (mkdir(path, 0777))
        return 1;
    return chmod(path, strstr(path, "/0") ? 0755 : 0777) ? 2 : 0;
}

static int symlink_as_nobody(void *p)
{
    char **a = p;
    return symlink(a[0], a[1]) ? 1 : 0;
}

/* Creates and removes one segment with stderr going to out_path; exit 0 if
 * the creation succeeded, 2 if it failed with EPERM, 1 otherwise. With
 * `expect_recorded` >= 0, also whether the registry has the segment. */
static int create_one(void *p)
{
    int expect_recorded = (int)(intptr_t)p;
    int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0 || dup2(fd, 2) < 0)
        return 9;
    int created = 0;
    int id = rashm_create(IPC_PRIVATE, 4 * (uint64_t)page_size(), IPC_CREAT | 0600, NULL, 0, 0, NULL, &created);
    if (id < 0)
        return errno == EPERM ? 2 : 1;
    int rc = created ? 0 : 3;
    if (expect_recorded >= 0) {
        struct rashm_placement *q = rashm_query(id);
        if (!q || q->registered != expect_recorded)
            rc = 4;
        rashm_placement_free(q);
    }
    if (shmctl(id, IPC_RMID, NULL))
        rc = 5;
    return rc;
}

/* Lines in out_path containing `what`. */
static int out_lines(const char *what)
{
    FILE *f = fopen(out_path, "r");
    if (!f)
        return 0;
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, what) != NULL;
    fclose(f);
    return n;
}

/* A fresh stderr file any uid of the test may append to. */
static void reset_out(void)
{
    unlink(out_path);
    CHECK_EQ(sec_write_file(out_path, "", 0666), 0);
    CHECK_EQ(chmod(out_path, 0666), 0);
}

static void foreign_uid_dirs(void)
{
    char victim[160], rootdir[160];
    snprintf(victim, sizeof victim, "%s/%d", sec_reg, VICTIM);
    snprintf(rootdir, sizeof rootdir, "%s/0", sec_reg);
    CHECK_EQ(sec_run_as(NOBODY, mkdir_as_nobody, victim), 0);
    CHECK_EQ(sec_run_as(NOBODY, mkdir_as_nobody, rootdir), 0);

    /* the victim's creation succeeds, not recorded, said once */
    reset_out();
    CHECK_EQ(sec_run_as(VICTIM, create_one, (void *)(intptr_t)0), 0);
    CHECK_EQ(out_lines("registry directory 4242 not used"), 1);
    CHECK_EQ(sec_count(victim), 0);     /* nothing written into nobody's directory */
    uid_t u;
    mode_t m;
    CHECK_EQ(dir_owner(victim, &u, &m), 0);
    CHECK_EQ(u, NOBODY);

    /* root's creation succeeds and is recorded: root moved nobody's "0"
     * aside and made its own */
    reset_out();
    CHECK_EQ(in_child(create_one, (void *)(intptr_t)1), 0);
    CHECK_EQ(out_lines("rashm"), 0);
    CHECK_EQ(dir_owner(rootdir, &u, &m), 0);
    CHECK_EQ(u, 0);
    CHECK_EQ(m, 0755);
    CHECK_EQ(reg_names(".foreign.0."), 1);

    /* root's listing moves the victim's foreign directory aside; its next
     * creation is recorded in a directory of its own */
    struct rashm_seg_info *v = NULL;
    CHECK(rashm_list(&v) >= 0);
    free(v);
    CHECK_EQ(reg_names(".foreign.4242."), 1);
    reset_out();
    CHECK_EQ(sec_run_as(VICTIM, create_one, (void *)(intptr_t)1), 0);
    CHECK_EQ(out_lines("rashm"), 0);
    CHECK_EQ(dir_owner(victim, &u, &m), 0);
    CHECK_EQ(u, VICTIM);
    CHECK_EQ(m, 0755);
}

/* Root creates twice under registry `top`: both succeed, the registry is
 * refused with one line containing `why`, and nothing appears in `watch`. */
static void refused_top(const char *top, const char *why, const char *watch)
{
    char saved[256];
    snprintf(saved, sizeof saved, "%s", getenv("RASHM_REGISTRY_DIR"));
    setenv("RASHM_REGISTRY_DIR", top, 1);
    reset_out();
    /* two creations in one process: one line */
    pid_t pid = fork();
    if (pid == 0) {
        int a = create_one((void *)(intptr_t)0);
        int b = create_one((void *)(intptr_t)0);
        _exit(a ? a : b);
    }
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_EQ(out_lines("not used"), 1);
    if (out_lines(why) != 1) {
        fprintf(stderr, "expected one line with \"%s\" for %s; got:\n", why, top);
        char cmd[256];
        snprintf(cmd, sizeof cmd, "cat %s >&2", out_path);
        if (system(cmd)) {
        }
        check_failures++;
    }
    CHECK_EQ(sec_count(watch), 0);
    setenv("RASHM_REGISTRY_DIR", saved, 1);
}

static void planted_top(void)
{
    char parent[160], top[200], link[200], rootdir[200], loose[200];
    snprintf(parent, sizeof parent, "%s/p2", sec_base);
    CHECK_EQ(mkdir(parent, 01777), 0);
    CHECK_EQ(chmod(parent, 01777), 0);

    /* nobody's top directory, 0755 */
    snprintf(top, sizeof top, "%s/reg", parent);
    CHECK_EQ(sec_run_as(NOBODY, mkdir_as_nobody, top), 0);
    CHECK_EQ(chmod(top, 0755), 0);
    refused_top(top, "owned by uid 65534", top);

    /* a link (to a directory of root's) */
    snprintf(rootdir, sizeof rootdir, "%s/rootdir", sec_base);
    CHECK_EQ(mkdir(rootdir, 01777), 0);
    snprintf(link, sizeof link, "%s/reglink", parent);
    char *args[2] = {rootdir, link};
    CHECK_EQ(sec_run_as(NOBODY, symlink_as_nobody, args), 0);
    refused_top(link, "symbolic link", rootdir);

    /* root's, but anybody may rename or delete what is in it */
    snprintf(loose, sizeof loose, "%s/loose", sec_base);
    CHECK_EQ(mkdir(loose, 0777), 0);
    CHECK_EQ(chmod(loose, 0777), 0);
    refused_top(loose, "mode 0777", loose);
}

static void missing_top(void)
{
    char top[200];
    snprintf(top, sizeof top, "%s/fresh", sec_base);
    char saved[256];
    snprintf(saved, sizeof saved, "%s", getenv("RASHM_REGISTRY_DIR"));
    setenv("RASHM_REGISTRY_DIR", top, 1);
    umask(077);
    reset_out();
    CHECK_EQ(in_child(create_one, (void *)(intptr_t)1), 0);
    uid_t u;
    mode_t m;
    CHECK_EQ(dir_owner(top, &u, &m), 0);
    CHECK_EQ(u, 0);
    CHECK_EQ(m, 01777);
    umask(022);
    setenv("RASHM_REGISTRY_DIR", saved, 1);
}

int main(void)
{
    sec_isolate();
    check_begin();
    snprintf(out_path, sizeof out_path, "%s/stderr.txt", sec_base);
    foreign_uid_dirs();
    planted_top();
    missing_top();
    CHECK_EQ(sec_segments(), 0);
    return check_end();
}
