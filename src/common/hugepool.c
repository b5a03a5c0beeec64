/* Huge pages borrowed by delta: see hugepool.h for the protocol and why. */
#define _GNU_SOURCE
#include "hugepool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

#define LEDGER RCOM_HP_DIR "/hugepages.d"

long rcom_read_long(const char *path)
{
    FILE *f = fopen(path, "re");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

int rcom_write_long(const char *path, long v)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return -errno;
    fprintf(f, "%ld\n", v);
    return fclose(f) ? -errno : 0;
}

/* pid + start time name a process for good: pids are reused, the pair is not */
static unsigned long long start_time(pid_t pid)
{
    unsigned long long v = 0;
    return rcom_proc_stat(pid, 22, 1, &v) == 0 ? v : 0;
}

static int root_dir(const char *path)
{
    struct stat st;
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    if (lstat(path, &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
        return -EPERM;
    return 0;
}

static int lock_pool(void)
{
    int rc = root_dir(RCOM_HP_DIR);
    if (rc == 0)
        rc = root_dir(LEDGER);
    if (rc < 0)
        return rc;
    int fd = open(RCOM_HP_DIR "/hugepages.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            rc = -errno;
            close(fd);
            return rc;
        }
    return fd;
}

static void lower(long n)
{
    long cur = rcom_read_long(RCOM_HP_KNOB);
    if (cur >= 0)
        rcom_write_long(RCOM_HP_KNOB, cur > n ? cur - n : 0);
}

/* Records of borrowers that are gone: give their pages back. Lock held.
 * Returns the pages lent to borrowers still alive. */
static long settle_ledger(void)
{
    DIR *d = opendir(LEDGER);
    struct dirent *e;
    long live = 0;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        int pid;
        unsigned long long st;
        char path[sizeof LEDGER + 256];
        if (sscanf(e->d_name, "%d.%llu", &pid, &st) != 2)
            continue;
        snprintf(path, sizeof path, LEDGER "/%s", e->d_name);
        long n = rcom_read_long(path);
        if (start_time(pid) == st) {
            if (n > 0)
                live += n;
            continue;
        }
        if (n > 0)
            lower(n);
        unlink(path);
    }
    closedir(d);
    return live;
}

int rcom_hp_borrow(long pages, struct rcom_hp_loan *loan)
{
    loan->pages = 0;
    loan->record[0] = 0;
    if (pages <= 0)
        return pages < 0 ? -EINVAL : 0;
    int fd = lock_pool();
    if (fd < 0)
        return fd;
    settle_ledger();
    long cur = rcom_read_long(RCOM_HP_KNOB);
    int rc = cur < 0 ? -EIO : rcom_write_long(RCOM_HP_KNOB, cur + pages);
    if (rc == 0) {
        long got = rcom_read_long(RCOM_HP_KNOB);
        if (got >= cur + pages) {
            static unsigned seq; /* a process may hold several loans */
            snprintf(loan->record, sizeof loan->record, LEDGER "/%d.%llu.%u", (int)getpid(),
                     start_time(getpid()), __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
            rcom_write_long(loan->record, pages);
            loan->pages = pages;
        } else {
            /* the kernel found fewer free 2 MiB blocks: give back what came */
            rcom_write_long(RCOM_HP_KNOB, cur);
            rc = -ENOMEM;
        }
    }
    close(fd);
    return rc;
}

int rcom_hp_borrow_retry(long pages, int attempts, int pause_ms, struct rcom_hp_loan *loan)
{
    for (int i = 0;; i++) {
        int rc = rcom_hp_borrow(pages, loan);
        if (rc != -ENOMEM || i >= attempts)
            return rc;
        rcom_write_long("/proc/sys/vm/compact_memory", 1);
        struct timespec ts = {pause_ms / 1000, (long)(pause_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int rcom_hp_ensure_free(long pages, struct rcom_hp_loan *loan)
{
    long free_now = rcom_meminfo("HugePages_Free");
    loan->pages = 0;
    loan->record[0] = 0;
    if (free_now >= pages)
        return 0;
    return rcom_hp_borrow(pages - (free_now < 0 ? 0 : free_now), loan);
}

int rcom_hp_return(struct rcom_hp_loan *loan, struct rcom_hp_report *report)
{
    if (loan->pages <= 0)
        return 0;
    int fd = lock_pool();
    if (fd < 0)
        return fd;
    struct rcom_hp_report r;
    r.knob_before = rcom_read_long(RCOM_HP_KNOB);
    r.lent_live = settle_ledger();
    r.surplus_before = rcom_meminfo("HugePages_Surp");
    lower(loan->pages);
    r.surplus_after = rcom_meminfo("HugePages_Surp");
    unlink(loan->record);
    close(fd);
    loan->pages = 0;
    loan->record[0] = 0;
    if (report)
        *report = r;
    return 0;
}
