/* rashm-testns: run one test in a world of its own and check exactly that
 * world afterwards.
 *
 *   rashm-testns [-H PAGES] [-w SECONDS] [--] PROGRAM [ARGS...]
 *
 * Before the test:
 *   - a new IPC namespace: System V segments (and the kernel.shm_* sysctls,
 *     shm_next_id included) are the test's own, so neither other work on
 *     the machine nor a second test run sees or disturbs them;
 *   - a new mount namespace with a fresh tmpfs on /dev/shm, holding the
 *     registry directory /dev/shm/rashm-registry (root:root 01777), exported
 *     as RASHM_REGISTRY_DIR. A setuid program ignores the variable and uses
 *     the default path, which is this same private directory. Mounts are
 *     slaves of the host's, so nothing mounted here leaks out;
 *   - with -H, PAGES 2 MiB huge pages borrowed (see below).
 * The wrapper stays in the namespaces (it is the test's parent and a child
 * subreaper, so orphaned helpers come back to it) and, once the test has
 * exited, checks:
 *   - no process is left in the test's IPC namespace (software VE helpers
 *     get SECONDS, default 5, to notice that their VH process is gone);
 *     survivors are reported and killed;
 *   - no System V segment, semaphore set or message queue is left in the
 *     namespace; leftovers are reported and removed (so their huge pages go
 *     back before the borrow is returned);
 *   - no record is left in the registry (seg.*, new.*, tmp.* in a per-uid
 *     directory): every segment is gone by then, so any record left names
 *     a segment that no longer exists;
 *   - no huge page of the test is still in use: the test runs in a cgroup
 *     v2 of its own with the hugetlb controller (enabled on the cgroup2
 *     root if needed), which counts exactly the pages the test and its
 *     children faulted in or reserved, whatever else uses huge pages
 *     meanwhile. Where that controller is not to be had (bound to a v1
 *     hierarchy), a HugePages_Surp increase when the borrow is returned is
 *     reported as a note only, since it cannot say whose pages they are.
 * Any of these makes the run fail (exit 1), even if the test passed or was
 * skipped; otherwise the test's own exit status is passed on.
 *
 * Huge pages are borrowed by delta: under an flock on
 * /run/rashm-tests/hugepages.lock, read vm.nr_hugepages, write it plus
 * PAGES, and give back by the same delta under the same lock. Two test runs
 * at once (or anything else following the protocol) never overwrite each
 * other's share. Each borrow is written down in /run/rashm-tests/hugepages.d/
 * as "<pid>.<start time>" holding PAGES; a borrower that was killed (a ctest
 * timeout) leaves its record, and the next borrower or returner gives those
 * pages back for it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hugepool.h"

#define REGDIR "/dev/shm/rashm-registry"

static const char *me = "rashm-testns";
static int leaks;
static volatile pid_t test_pid;

static void vsay(const char *tag, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "%s: %s", me, tag);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay("", fmt, ap);
    va_end(ap);
}

static void leak(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void leak(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay("LEAK: ", fmt, ap);
    va_end(ap);
    leaks++;
}

/* ---- huge pages borrowed by delta ---------------------------------------- */

/* Field 22 of /proc/PID/stat: start time in clock ticks since boot; with
 * the pid it names a process for good (pids are reused, this pair is not). */
static unsigned long long start_time(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
    if (!p)
        return 0;
    unsigned long long v = 0;
    /* after ")": state is field 3, start time field 22 */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
               &v) != 1)
        return 0;
    return v;
}

static struct rcom_hp_loan loan;

static int hp_borrow(long n)
{
    int rc = rcom_hp_borrow_retry(n, 30, 2000, &loan);
    if (rc == -ENOMEM)
        say("could not borrow %ld huge pages (vm.nr_hugepages %ld)", n, rcom_read_long(RCOM_HP_KNOB));
    else if (rc == -EPERM)
        say("%s is not a root-owned directory writable only by root", RCOM_HP_DIR);
    else if (rc < 0)
        say("cannot borrow huge pages: %s (root needed)", strerror(-rc));
    return rc < 0 ? -1 : 0;
}

static int cg_ok; /* the test's own hugetlb cgroup exists */

static void hp_return(void)
{
    struct rcom_hp_report r;
    long n = loan.pages;
    if (rcom_hp_return(&loan, &r) < 0) {
        say("cannot take the huge-page lock; %ld pages stay borrowed (the next borrower returns them)", n);
        return;
    }
    /* The pool must still hold every live borrow; if it does not, something
     * outside the borrowing protocol wrote vm.nr_hugepages (an absolute
     * value) while tests had pages borrowed, and a test's ENOMEM may come
     * from that. */
    if (r.knob_before >= 0 && r.knob_before < r.lent_live)
        say("note: vm.nr_hugepages is %ld, less than the %ld pages running tests borrowed: something "
            "outside the borrowing protocol set it meanwhile",
            r.knob_before, r.lent_live);
    /* Without the test's own hugetlb cgroup this is the best sign there is,
     * and it cannot tell whose pages they are (anything that uses huge pages
     * without borrowing them shows up here too): a note, not a verdict. */
    if (!cg_ok && r.surplus_after > r.surplus_before)
        say("note: %ld huge pages became surplus when the borrow was returned (HugePages_Surp %ld -> %ld)",
            r.surplus_after - r.surplus_before, r.surplus_before, r.surplus_after);
}

/* ---- the test's huge pages, counted exactly ------------------------------ */

/* The test runs in a cgroup v2 of its own with the hugetlb controller:
 * every huge page the test or its children fault in or reserve is charged
 * there (hugetlb.2MB.current, .rsvd.current) until it is freed, whoever
 * else uses huge pages meanwhile. */
static char cg_path[2048];

static int cg_mount(char *out, size_t len)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    int found = 0;
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f)) {
        char mnt[1024];
        const char *dash = strstr(line, " - ");
        if (!dash || strncmp(dash + 3, "cgroup2 ", 8))
            continue;
        if (sscanf(line, "%*s %*s %*s %*s %1023s", mnt) == 1 && strlen(mnt) < len) {
            memcpy(out, mnt, strlen(mnt) + 1);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

static int cg_has(const char *file, const char *word)
{
    FILE *f = fopen(file, "re");
    char buf[1024];
    int has = 0;
    if (!f)
        return 0;
    if (fgets(buf, sizeof buf, f))
        for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n"))
            if (!strcmp(t, word))
                has = 1;
    fclose(f);
    return has;
}

/* cgroups of wrappers that were killed: empty ones are removed */
static void cg_sweep(const char *mnt)
{
    DIR *d = opendir(mnt);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d))) {
        int pid;
        unsigned long long st;
        if (sscanf(e->d_name, "rashm-test.%d.%llu", &pid, &st) != 2 || start_time(pid) == st)
            continue;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", mnt, e->d_name);
        rmdir(p); /* fails while a process is still in it */
    }
    closedir(d);
}

static void cg_setup(void)
{
    char mnt[1024], f[PATH_MAX];
    if (!cg_mount(mnt, sizeof mnt))
        return;
    snprintf(f, sizeof f, "%s/cgroup.controllers", mnt);
    if (!cg_has(f, "hugetlb"))
        return; /* bound to a cgroup v1 hierarchy, or not built */
    snprintf(f, sizeof f, "%s/cgroup.subtree_control", mnt);
    if (!cg_has(f, "hugetlb")) {
        FILE *w = fopen(f, "we");
        if (w) {
            fputs("+hugetlb", w);
            fclose(w);
        }
    }
    cg_sweep(mnt);
    snprintf(cg_path, sizeof cg_path, "%s/rashm-test.%d.%llu", mnt, (int)getpid(), start_time(getpid()));
    if (mkdir(cg_path, 0755) < 0) {
        cg_path[0] = 0;
        return;
    }
    snprintf(f, sizeof f, "%s/hugetlb.2MB.current", cg_path);
    cg_ok = access(f, R_OK) == 0;
}

/* in the child, before exec */
static void cg_enter(void)
{
    char f[PATH_MAX + 32];
    if (!cg_ok)
        return;
    snprintf(f, sizeof f, "%s/cgroup.procs", cg_path);
    if (rcom_write_long(f, 0) < 0)
        fprintf(stderr, "%s: cannot enter %s\n", me, cg_path);
}

static long cg_read(const char *name)
{
    char f[PATH_MAX + 64];
    snprintf(f, sizeof f, "%s/%s", cg_path, name);
    return rcom_read_long(f);
}

static void cg_check_and_remove(void)
{
    if (cg_ok) {
        long used = cg_read("hugetlb.2MB.current"), rsvd = cg_read("hugetlb.2MB.rsvd.current");
        if (used > 0 || rsvd > 0)
            leak("%ld huge pages (%ld reserved) of the test still in use after it: a hugetlbfs file or a "
                 "mapping outside its namespace",
                 used / (2l << 20), rsvd / (2l << 20));
    }
    if (cg_path[0]) {
        struct timespec t = {0, 50 * 1000 * 1000};
        for (int i = 0; i < 40 && rmdir(cg_path) < 0 && errno == EBUSY; i++)
            nanosleep(&t, NULL);
    }
}

/* ---- the namespace's processes -------------------------------------------- */

static ino_t ns_ino;
static dev_t ns_dev;

static void reap_some(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

/* Processes other than us whose IPC namespace is the test's. */
static int ns_members(pid_t *out, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid == getpid())
            continue;
        char path[64];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%ld/ns/ipc", pid);
        if (stat(path, &st) < 0 || st.st_ino != ns_ino || st.st_dev != ns_dev)
            continue;
        if (n < max)
            out[n] = (pid_t)pid;
        n++;
    }
    closedir(d);
    return n;
}

static void comm_of(pid_t pid, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "re");
    buf[0] = 0;
    if (f) {
        if (fgets(buf, (int)len, f))
            buf[strcspn(buf, "\n")] = 0;
        fclose(f);
    }
}

static void check_processes(int wait_s)
{
    pid_t pids[64];
    int n = 0;
    struct timespec t = {0, 100 * 1000 * 1000};
    for (int i = 0; i <= wait_s * 10; i++) {
        reap_some();
        n = ns_members(pids, 64);
        if (!n)
            return;
        nanosleep(&t, NULL);
    }
    for (int i = 0; i < n && i < 64; i++) {
        char comm[64];
        comm_of(pids[i], comm, sizeof comm);
        leak("process %d (%s) still running in the test's IPC namespace %ds after the test; killed",
             (int)pids[i], comm, wait_s);
        kill(pids[i], SIGKILL);
    }
    for (int i = 0; i < 50 && ns_members(pids, 64); i++) {
        reap_some();
        nanosleep(&t, NULL);
    }
}

/* ---- System V objects --------------------------------------------------- */

static void check_sysv(const char *file, const char *what, int kind)
{
    FILE *f = fopen(file, "re");
    char line[512];
    if (!f)
        return;
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        return;
    }
    while (fgets(line, sizeof line, f)) {
        long key;
        int id;
        if (sscanf(line, "%ld %d", &key, &id) != 2)
            continue;
        line[strcspn(line, "\n")] = 0;
        leak("%s %d left behind: %s", what, id, line);
        switch (kind) {
        case 0: shmctl(id, IPC_RMID, NULL); break;
        case 1: semctl(id, 0, IPC_RMID); break;
        default: msgctl(id, IPC_RMID, NULL); break;
        }
    }
    fclose(f);
}

/* ---- the registry ---------------------------------------------------------- */

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* The registry's own records live in per-uid directories (<top>/<uid>/):
 * seg.* (placements), new.* (creations in progress), tmp.* (files being
 * written). Anything else (root's prune stamp in the top directory, a
 * planted directory moved aside by root) is not a record of a segment. */
static int is_record(const char *name)
{
    return !strncmp(name, "seg.", 4) || !strncmp(name, "new.", 4) || !strncmp(name, "tmp.", 4);
}

static void check_registry_dir(int dfd, const char *shown, int depth)
{
    DIR *d = fdopendir(dfd);
    struct dirent *e;
    if (!d) {
        close(dfd);
        return;
    }
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (depth == 0) {
            if (!S_ISDIR(st.st_mode) || !all_digits(e->d_name))
                continue;
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
                char name[PATH_MAX];
                snprintf(name, sizeof name, "%s/%s", shown, e->d_name);
                check_registry_dir(sub, name, depth + 1);
            }
            continue;
        }
        if (is_record(e->d_name))
            leak("registry file %s/%s left behind (every segment of the test is gone)", shown, e->d_name);
    }
    closedir(d);
}

static void check_registry(void)
{
    int fd = open(REGDIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            leak("registry %s cannot be opened: %s", REGDIR, strerror(errno));
        return;
    }
    check_registry_dir(fd, REGDIR, 0);
}

/* ---- set-up ------------------------------------------------------------- */

static int isolate(void)
{
    struct stat st;
    if (unshare(CLONE_NEWIPC | CLONE_NEWNS) < 0) {
        say("cannot make a new IPC and mount namespace: %s (the tests need root)", strerror(errno));
        return -1;
    }
    /* receive the host's mounts, send none back */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
        say("cannot make / a slave mount: %s", strerror(errno));
        return -1;
    }
    if (mount("rashm-test-shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0) {
        say("cannot mount a private tmpfs on /dev/shm: %s", strerror(errno));
        return -1;
    }
    mode_t old = umask(0);
    int rc = mkdir(REGDIR, 01777);
    umask(old);
    if (rc < 0 || chown(REGDIR, 0, 0) < 0) {
        say("cannot create %s: %s", REGDIR, strerror(errno));
        return -1;
    }
    setenv("RASHM_REGISTRY_DIR", REGDIR, 1);
    if (stat("/proc/self/ns/ipc", &st) < 0) {
        say("cannot read /proc/self/ns/ipc: %s", strerror(errno));
        return -1;
    }
    ns_ino = st.st_ino;
    ns_dev = st.st_dev;
    return 0;
}

static void forward(int sig)
{
    if (test_pid > 0)
        kill(test_pid, sig);
}

static void usage(void)
{
    fprintf(stderr, "usage: %s [-H PAGES] [-w SECONDS] [--] PROGRAM [ARGS...]\n", me);
    exit(2);
}

int main(int argc, char **argv)
{
    long pages = 0;
    int wait_s = 5, opt;
    while ((opt = getopt(argc, argv, "+H:w:")) != -1) {
        switch (opt) {
        case 'H': pages = strtol(optarg, NULL, 10); break;
        case 'w': wait_s = atoi(optarg); break;
        default: usage();
        }
    }
    if (optind >= argc || pages < 0 || wait_s < 0)
        usage();

    if (isolate() < 0)
        return 1;
    if (pages && hp_borrow(pages) < 0)
        return 1;
    cg_setup();
    prctl(PR_SET_CHILD_SUBREAPER, 1);

    struct sigaction sa = {.sa_handler = forward};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        say("fork: %s", strerror(errno));
        cg_check_and_remove();
        if (pages)
            hp_return();
        return 1;
    }
    if (pid == 0) {
        cg_enter();
        /* the test does not outlive a wrapper killed by a timeout */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        execvp(argv[optind], argv + optind);
        fprintf(stderr, "%s: cannot run %s: %s\n", me, argv[optind], strerror(errno));
        _exit(127);
    }
    test_pid = pid;
    int status = 0;
    for (;;) {
        pid_t w = waitpid(-1, &status, 0);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            say("waitpid: %s", strerror(errno));
            status = 1 << 8;
            break;
        }
    }
    test_pid = 0;

    check_processes(wait_s);
    check_sysv("/proc/sysvipc/shm", "System V segment", 0);
    check_sysv("/proc/sysvipc/sem", "System V semaphore set", 1);
    check_sysv("/proc/sysvipc/msg", "System V message queue", 2);
    check_registry();
    cg_check_and_remove();
    if (pages)
        hp_return();

    int rc;
    if (WIFSIGNALED(status)) {
        say("the test was killed by signal %d", WTERMSIG(status));
        rc = 128 + WTERMSIG(status);
    } else {
        rc = WEXITSTATUS(status);
    }
    if (leaks) {
        say("%d leak(s): the test fails (its own exit status was %d)", leaks, rc);
        return 1;
    }
    return rc;
}
