/* Bounded pruning (issue 7, defect 11), written as the attack: user nobody
 * fills its registry directory with JUNK files named like stale entries
 * (seg.<id> of segments that do not exist), which every creation used to
 * read, IPC_STAT and delete. Root's creations must not even look at them:
 * after root's creations every junk file is still there (behaviour, not
 * timing; the times are printed for the record, not asserted). Root's full
 * prune (rashm_list) removes them, at most PER_PASS entries per directory
 * and at most once per interval (a stamp file in the top directory): a
 * second listing right after leaves new junk alone; a stamp planted by nobody to suppress pruning is replaced; an
 * unprivileged lister prunes only its own directory. */
#define _GNU_SOURCE
#include "sec.h"

#include <rashm.h>

#define JUNK 50000
#define ROUNDS 20
#define PER_PASS 16384   /* entries root's full prune looks at per directory */

static char nobody_dir[160], stamp[160];

struct junk_arg {
    int first, count;
};

static int plant_junk(void *p)
{
    struct junk_arg *a = p;
    if (mkdir(nobody_dir, 0755) && errno != EEXIST)
        return 1;
    int dfd = open(nobody_dir, O_RDONLY | O_DIRECTORY);
    if (dfd < 0)
        return 2;
    for (int i = 0; i < a->count; i++) {
        char name[32];
        snprintf(name, sizeof name, "seg.%d", 1000000 + a->first + i);
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0)
            return 3;
        close(fd);
    }
    close(dfd);
    return 0;
}

static int plant_stamp(void *p)
{
    (void)p;
    unlink(stamp);   /* fails (root's, sticky directory) unless absent */
    return sec_write_file(stamp, "x", 0644) ? 1 : 0;
}

static int list_as_user(void *p)
{
    (void)p;
    struct rashm_seg_info *v = NULL;
    int n = rashm_list(&v);
    free(v);
    return n >= 0 ? 0 : 1;
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median time of ROUNDS root creations + removals. */
static double create_median(void)
{
    double t[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        double t0 = now_us();
        int id = rashm_create(IPC_PRIVATE, 64 << 10, IPC_CREAT | 0600, NULL, 0, 0, NULL, NULL);
        t[i] = now_us() - t0;
        CHECK(id >= 0);
        CHECK_EQ(rashm_remove(id), 0);
    }
    qsort(t, ROUNDS, sizeof t[0], cmp_double);
    return t[ROUNDS / 2];
}

static double list_once(void)
{
    struct rashm_seg_info *v = NULL;
    double t0 = now_us();
    int n = rashm_list(&v);
    double t = now_us() - t0;
    CHECK(n >= 0);
    free(v);
    return t;
}

int main(void)
{
    sec_isolate();
    check_begin();
    snprintf(nobody_dir, sizeof nobody_dir, "%s/%d", sec_reg, NOBODY);
    snprintf(stamp, sizeof stamp, "%s/.prune", sec_reg);

    /* warm up (topology), then the empty-registry baseline */
    create_median();
    double empty = create_median();

    double t0 = now_us();
    struct junk_arg j = {0, JUNK};
    CHECK_EQ(sec_run_as(NOBODY, plant_junk, &j), 0);
    double plant = now_us() - t0;
    CHECK_EQ(sec_count(nobody_dir), JUNK);

    double with_junk = create_median();
    /* the behaviour: root's creations did not prune nobody's directory */
    CHECK_EQ(sec_count(nobody_dir), JUNK);
    /* nor does another user's listing (it may prune only its own) */
    CHECK_EQ(sec_run_as(4242, list_as_user, NULL), 0);
    CHECK_EQ(sec_count(nobody_dir), JUNK);

    /* nobody's stamp, fresh, meant to keep root from pruning: replaced */
    CHECK_EQ(sec_run_as(NOBODY, plant_stamp, NULL), 0);
    double full = list_once();
    int left = sec_count(nobody_dir);
    /* pruned, but a bounded amount per directory and pass */
    CHECK(left < JUNK);
    CHECK(JUNK - left <= PER_PASS);
    struct stat st;
    CHECK_EQ(lstat(stamp, &st), 0);
    CHECK_EQ(st.st_uid, 0);
    CHECK(S_ISREG(st.st_mode));

    /* right after: the full prune is not due, new junk stays */
    struct junk_arg j2 = {JUNK, 100};
    CHECK_EQ(sec_run_as(NOBODY, plant_junk, &j2), 0);
    double limited = list_once();
    CHECK_EQ(sec_count(nobody_dir), left + 100);
    /* nobody cannot reset root's stamp */
    CHECK(sec_run_as(NOBODY, plant_stamp, NULL) != 0);

    /* once the interval has passed, it is: the rest goes in a few passes */
    int passes = 0;
    while (sec_count(nobody_dir) > 0 && passes < 10) {
        struct timespec old[2];
        clock_gettime(CLOCK_REALTIME, &old[0]);
        old[0].tv_sec -= 60;
        old[1] = old[0];
        CHECK_EQ(utimensat(AT_FDCWD, stamp, old, AT_SYMLINK_NOFOLLOW), 0);
        list_once();
        passes++;
    }
    CHECK_EQ(sec_count(nobody_dir), 0);
    CHECK(passes <= (JUNK + 100) / (PER_PASS - 2) + 1);

    printf("root's creation (64 KiB, median of %d): %.0f us with an empty registry, %.0f us with %d junk files "
           "of nobody's (planted in %.0f ms); root's first full prune: %d of them in %.0f ms; a listing within "
           "the interval: %.0f us; all gone after %d more passes\n",
           ROUNDS, empty, with_junk, JUNK, plant / 1e3, JUNK - left, full / 1e3, limited, passes);
    CHECK_EQ(sec_segments(), 0);
    return check_end();
}
