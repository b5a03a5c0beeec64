/* The placement registry: one small file per placed segment under
 * RASHM_REGISTRY_DIR (default /dev/shm/rashm-registry, tmpfs, world
 * readable), holding the segment's ranges and policies so that any process
 * can answer "what is this segment attached to" and re-apply per-attach
 * policies. docs/security.md ("Registry") states the trust model; in short:
 *
 * Layout: <top>/<creator uid>/seg.<shmid>           placement entry
 *         <top>/<creator uid>/new.<ns>.<pid>.<st>.<r> creation in progress
 *         <top>/<creator uid>/tmp.<ns>.<pid>.<st>.<r> file being written
 *         <top>/.prune                              root's full-prune stamp
 * (<ns>: pid namespace inode, <pid>/<st>: the writer's pid and start time,
 * <r>: 64 random bits).
 *
 * Trust: the top directory belongs to root (or, for a private registry, to
 * the calling user) and is not writable by others unless sticky (tmpfiles.d
 * makes it 1777 root:root); every path component up to it is checked the
 * same way. A per-uid directory must belong to that uid (or root) and be
 * writable by nobody else. Everything is opened O_NOFOLLOW and checked with
 * fstat; every file operation is relative to a verified directory fd.
 * Root, writing or deleting in another user's directory, does so with that
 * user's filesystem uid (setfsuid, per thread), so the kernel checks the
 * user's rights, never root's. A registry that is not as expected is not
 * used (one line on stderr, once per process): the segment matters more
 * than its record, so no registry problem makes a creation fail.
 *
 * Identity: System V ids are reused (so are shm inode numbers: they are the
 * id), so an entry is tied to its segment by key, creator pid, size and
 * shm_ctime, plus, when the reader may read /proc/self/map_files
 * (CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN), an identity of the shm file
 * (seg_mapping_birth). shm_ctime changes only at creation and IPC_SET; an
 * id comes back only after 64 x 65536 creations, which take far longer than
 * a second, so an exact shm_ctime match is a strong identity for readers
 * without the capability. librashm's shmctl refreshes the entry after
 * IPC_SET; a ctime mismatch the birth cannot settle leaves the entry
 * unverified (not used, not deleted).
 *
 * Killed creators: before shmget the creator writes new.<...> keyed by its
 * own identity (pid, start time, pid namespace), with the key, size, IPC
 * namespace and the time; right after shmget it adds the id. The record goes
 * when rashm_create returns. A collector that finds the record of a creator
 * that no longer exists removes the segment(s) it may have made (see
 * collect_record) and the record. Records are written to a temporary name
 * and renamed, so a record is never seen short; a short one is junk. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/random.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"

#define REG_MAGIC 0x72617368u /* "rash" */
#define REG_VERSION 1
#define PEND_MAGIC 0x7273686eu /* "rshn" */
#define PEND_VERSION 2
#define PRUNE_STAMP ".prune"
#define FULL_PRUNE_INTERVAL 10     /* seconds between two full prunes by root */
#define FOREIGN_NS_AGE (24 * 3600) /* records/temporaries of other pid namespaces */
#define FULL_PRUNE_PER_DIR 16384   /* entries looked at per other user's directory and full prune */

/* The "being created" record (new.<...>). */
struct reg_pending {
    uint32_t magic, version;
    int32_t shmid;             /* -1 until shmget returned */
    int32_t key;
    int32_t pid;               /* the creator (getpid(): the segment's cpid) */
    uint32_t cuid;             /* its euid: the segment's cuid */
    uint64_t start;            /* its start time, clock ticks after boot */
    uint64_t pidns;            /* inode of its pid namespace */
    uint64_t ipcns;            /* inode of its IPC namespace */
    uint64_t segsz;
    int64_t time;              /* wall clock (s) before shmget: shm_ctime >= it */
};

/* ---- messages ------------------------------------------------------------ */

/* One line on stderr, once per process (and every time under RASHM_DEBUG):
 * a registry that is not used is something an administrator must see, but
 * a program must not be flooded with it. */
static void reg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reg_warn(const char *fmt, ...)
{
    static int said;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cfg_debug())
        rashm_dbg("%s", msg);
    else if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
        fprintf(stderr, "rashm: %s\n", msg);
}

/* ---- identities ---------------------------------------------------------- */

/* State, thread count and start time (clock ticks after boot) of process
 * pid, from /proc/PID/stat (fields 3, 20 and 22). */
static int proc_stat(pid_t pid, char *state, long *nthreads, uint64_t *start)
{
    unsigned long long f[20];   /* fields 3 .. 22 */
    int rc = rcom_proc_stat(pid, 3, 20, f);
    if (rc)
        return rc;
    *state = (char)f[0];
    *nthreads = (long)f[20 - 3];
    *start = f[22 - 3];
    return 0;
}

static uint64_t ns_inode(const char *which)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/self/ns/%s", which);
    return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

/* This process's pid, start time and pid namespace, read once per process
 * (a forked child has another pid, and reads its own). Lock-free, so a
 * child forked while another thread was here is not stuck: the values are
 * published before the pid that says they are valid. */
static int self_identity(int32_t *pid, uint64_t *start, uint64_t *pidns)
{
    static pid_t cached_pid;
    static uint64_t cached_start, cached_ns;
    pid_t me = getpid();
    if (__atomic_load_n(&cached_pid, __ATOMIC_ACQUIRE) != me) {
        char state;
        long nthreads;
        uint64_t st;
        int rc = proc_stat(me, &state, &nthreads, &st);
        if (rc)
            return rc;
        uint64_t ns = ns_inode("pid");
        if (!ns)
            return -ENOENT;
        /* concurrent threads of this process store the same values */
        __atomic_store_n(&cached_start, st, __ATOMIC_RELAXED);
        __atomic_store_n(&cached_ns, ns, __ATOMIC_RELAXED);
        __atomic_store_n(&cached_pid, me, __ATOMIC_RELEASE);
    }
    *pid = (int32_t)me;
    *start = __atomic_load_n(&cached_start, __ATOMIC_RELAXED);
    *pidns = __atomic_load_n(&cached_ns, __ATOMIC_RELAXED);
    return 0;
}

/* 1: process (pid, start) no longer exists; 0: it does; -errno: cannot
 * tell (no /proc). A zombie whose only thread is gone counts as gone (it
 * cannot go on); a zombie thread-group leader whose other threads run
 * (thread count > 1) does not. A different start time means the pid was
 * reused by another process. Meaningful only in the writer's pid namespace. */
static int creator_gone(pid_t pid, uint64_t start)
{
    char state;
    long nthreads;
    uint64_t st;
    if (pid <= 0)
        return 1;
    int rc = proc_stat(pid, &state, &nthreads, &st);
    if (rc == -ENOENT || rc == -ESRCH)
        return access("/proc/self/stat", F_OK) == 0 ? 1 : -ENOENT;
    if (rc)
        return rc;
    if (st != start)
        return 1;
    return (state == 'Z' || state == 'X') && nthreads <= 1;
}

/* "<pidns>.<pid>.<start>.<random>": the writer's identity and 64 random
 * bits, so names are unique and nobody can guess one in advance. */
static int writer_tag(char *buf, size_t len)
{
    int32_t pid;
    uint64_t start, pidns;
    int rc = self_identity(&pid, &start, &pidns);
    if (rc)
        return rc;
    uint64_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        return -EAGAIN;   /* never a predictable name */
    snprintf(buf, len, "%llu.%d.%llu.%016llx", (unsigned long long)pidns, (int)pid, (unsigned long long)start,
             (unsigned long long)r);
    return 0;
}

/* Parses the tag after "new." / "tmp."; 0 if well formed. */
static int parse_tag(const char *s, uint64_t *pidns, pid_t *pid, uint64_t *start)
{
    unsigned long long ns, st, r;
    int p, n = -1;
    if (sscanf(s, "%llu.%d.%llu.%16llx%n", &ns, &p, &st, &r, &n) != 4 || n < 0 || s[n] || p <= 0)
        return -EINVAL;
    *pidns = ns;
    *pid = p;
    *start = st;
    return 0;
}

/* ---- filesystem credentials --------------------------------------------- */

/* Root acting in a directory that belongs to `owner` takes owner's
 * filesystem uid for the time (per thread: the setfsuid system call is
 * not broadcast to other threads), so its creations, renames and unlinks
 * there are checked against the owner's rights and its files belong to
 * the owner. Dropping fsuid 0 also drops CAP_DAC_OVERRIDE and friends;
 * setting it back restores them. */
struct fsas {
    int on;
    uid_t prev;
};

static void fs_enter(struct fsas *s, uid_t owner)
{
    s->on = 0;
    if (owner != 0 && geteuid() == 0) {
        s->prev = (uid_t)setfsuid(owner);
        s->on = 1;
    }
}

static void fs_leave(struct fsas *s)
{
    if (s->on)
        setfsuid(s->prev);
    s->on = 0;
}

/* ---- directories --------------------------------------------------------- */

/* A directory someone else cannot change under us: owned by root or by
 * `self`, and writable by group/others only with the sticky bit. */
static int dir_ok(const struct stat *st, uid_t self)
{
    return S_ISDIR(st->st_mode) && (st->st_uid == 0 || st->st_uid == self) &&
           (!(st->st_mode & (S_IWGRP | S_IWOTH)) || (st->st_mode & S_ISVTX));
}

/* Opens the top directory, walking its path from "/" with O_NOFOLLOW and
 * checking every component (owned by root or us, not writable by others
 * unless sticky) and the top itself (owned by root, or by us for a private
 * registry). Creates it when missing: root anywhere (1777, like the
 * tmpfiles.d entry), another user only inside a directory of its own.
 * Returns the fd, or -errno: -ENOENT missing, -EPERM refused (said once). */
static int top_open(const struct rashm_cfg *c, int create)
{
    const char *path = c->registry_dir;
    uid_t me = geteuid();
    if (path[0] != '/')
        return -EINVAL;
    int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    char comp[256];
    const char *p = path;
    for (;;) {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *rest = p + n;
        while (*rest == '/')
            rest++;
        int last = *rest == 0;
        if (n == 0 || n >= sizeof comp)
            break;      /* "/" itself or a trailing slash: handled below */
        memcpy(comp, p, n);
        comp[n] = 0;
        if (!strcmp(comp, "..") || !strcmp(comp, ".")) {
            close(fd);
            reg_warn("registry %s not used: the path must not contain \".\" or \"..\"", path);
            return -EPERM;
        }
        int flags = (last ? O_RDONLY : O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
        int nfd = openat(fd, comp, flags);
        if (nfd < 0 && errno == ENOENT && last && create &&
            (me == 0 || (fstat(fd, &st) == 0 && st.st_uid == me))) {
            if (mkdirat(fd, comp, me == 0 ? 01777 : 0700) == 0 || errno == EEXIST)
                nfd = openat(fd, comp, flags);
            if (nfd >= 0 && fstat(nfd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == me &&
                (st.st_mode & 07777) != (me == 0 ? 01777u : 0700u))
                fchmod(nfd, me == 0 ? 01777 : 0700);   /* not narrowed by the umask */
        }
        int e = errno;
        close(fd);
        if (nfd < 0) {
            if (e == ENOENT)
                return -ENOENT;
            if (e == ELOOP || e == ENOTDIR) {
                reg_warn("registry %s not used: %s/%s is a symbolic link or not a directory", path,
                         last ? "it" : "component", comp);
                return -EPERM;
            }
            return -e;
        }
        fd = nfd;
        if (fstat(fd, &st)) {
            e = errno;
            close(fd);
            return -e;
        }
        if (!dir_ok(&st, me)) {
            close(fd);
            reg_warn("registry %s not used: %s %s is owned by uid %u with mode %04o (expected root, "
                     "not writable by others unless sticky)",
                     path, last ? "the directory" : "path component", comp, (unsigned)st.st_uid,
                     (unsigned)(st.st_mode & 07777));
            return -EPERM;
        }
        if (last) {
            /* the top itself: root's, or ours for a private registry */
            if (st.st_uid != 0 && st.st_uid != me) {
                close(fd);
                reg_warn("registry %s not used: owned by uid %u, not root", path, (unsigned)st.st_uid);
                return -EPERM;
            }
            return fd;
        }
        p = rest;
    }
    close(fd);
    reg_warn("registry %s not used: not a usable directory path", path);
    return -EPERM;
}

/* Verified per-uid directory. */
struct udir {
    int fd;
    uid_t uid;        /* whose segments it holds */
    uid_t owner;      /* its owner: uid, or root */
};

/* Opens <top>/<uid>: a directory (not a link) owned by uid or root,
 * writable by nobody else. When missing and `create`, makes it (as uid, so
 * it belongs to uid). A foreign one (another owner, a link, a file, loose
 * mode): root moves it aside to .foreign.<uid>.<random> (root may, in the
 * sticky top directory; the planter can delete it) and makes a proper one;
 * anybody else leaves it and does without the registry for that uid.
 * 0 or -errno (-ENOENT missing, -EPERM foreign). */
static int udir_open(int top, uid_t uid, int create, struct udir *u)
{
    char name[16];
    snprintf(name, sizeof name, "%u", (unsigned)uid);
    int moved = 0;
    /* at most: move a foreign one aside, make ours, open it */
    for (int attempt = 0; attempt < 4; attempt++) {
        int fd = openat(top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        int foreign = 0;
        if (fd < 0) {
            if (errno == ENOENT) {
                if (!create)
                    return -ENOENT;
                struct fsas fs;
                fs_enter(&fs, uid);
                int rc = mkdirat(top, name, 0755);
                int e = errno;
                if (rc == 0) {
                    int nfd = openat(top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                    if (nfd >= 0) {
                        if (fstat(nfd, &st) == 0 && st.st_uid == uid && (st.st_mode & 07777) != 0755)
                            fchmod(nfd, 0755);   /* readable by all whatever the umask */
                        close(nfd);
                    }
                }
                fs_leave(&fs);
                if (rc && e != EEXIST)
                    return -e;
                continue;
            }
            if (errno != ELOOP && errno != ENOTDIR)
                return -errno;
            foreign = 1;
        } else if (fstat(fd, &st)) {
            int e = errno;
            close(fd);
            return -e;
        } else if (!S_ISDIR(st.st_mode) || (st.st_uid != uid && st.st_uid != 0) ||
                   (st.st_mode & (S_IWGRP | S_IWOTH))) {
            foreign = 1;
            close(fd);
        }
        if (!foreign) {
            u->fd = fd;
            u->uid = uid;
            u->owner = st.st_uid;
            return 0;
        }
        if (geteuid() != 0 || !create || moved) {
            if (create)
                reg_warn("registry directory %u not used: a link, not a directory, or owned by another "
                         "user (root's next rashm ls moves it aside)",
                         (unsigned)uid);
            return -EPERM;
        }
        uint64_t r;
        char aside[64];
        if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
            return -EPERM;
        snprintf(aside, sizeof aside, ".foreign.%u.%016llx", (unsigned)uid, (unsigned long long)r);
        if (renameat(top, name, top, aside))
            return -EPERM;
        moved = 1;
        rashm_dbg("registry: directory %s was foreign, moved aside to %s", name, aside);
    }
    return -EPERM;
}

/* Top directory and the per-uid directory of uid. 0 or -errno. */
static int reg_open(uid_t uid, int create, struct udir *u)
{
    struct rashm_cfg c;
    int rc = cfg_read(&c);
    if (rc)
        return rc;
    int top = top_open(&c, create);
    if (top == -ENOENT && create)
        rashm_dbg("registry %s does not exist (root or the tmpfiles.d entry creates it): not used", c.registry_dir);
    if (top < 0)
        return top;
    rc = udir_open(top, uid, create, u);
    close(top);
    return rc;
}

/* The verified top directory, for other registries kept under it (the
 * named rsets): fd or -errno (-ENOENT missing, -EPERM refused). */
int reg_top_fd(int create)
{
    struct rashm_cfg c;
    int rc = cfg_read(&c);
    if (rc)
        return rc;
    return top_open(&c, create);
}

int reg_entry_path(uid_t cuid, int shmid, char *buf, size_t len)
{
    struct rashm_cfg c;
    int rc = cfg_read(&c);
    if (rc)
        return rc;
    int n = snprintf(buf, len, "%s/%u/seg.%d", c.registry_dir, (unsigned)cuid, shmid);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ---- files --------------------------------------------------------------- */

/* Writes `len` bytes to a fresh file tmp.<tag> (O_EXCL|O_NOFOLLOW, a name
 * nobody can predict) and renames it to `final`, so a reader sees the old
 * file or the new one, never half. With keep_fd, the open fd (now naming
 * `final`) is returned in *keep_fd. Runs with the directory owner's fsuid. */
static int write_atomic(const struct udir *u, const char *final, const void *buf, size_t len, int *keep_fd)
{
    char tag[96], tmp[112];
    int rc = writer_tag(tag, sizeof tag);
    if (rc)
        return rc;
    snprintf(tmp, sizeof tmp, "tmp.%s", tag);
    struct fsas fs;
    fs_enter(&fs, u->owner);
    int fd = openat(u->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    fchmod(fd, 0644);      /* world-readable whatever the umask */
    ssize_t w = write(fd, buf, len);
    if (w != (ssize_t)len) {
        rc = w < 0 ? -errno : -EIO;
        goto unlink_tmp;
    }
    if (renameat(u->fd, tmp, u->fd, final)) {
        rc = -errno;
        goto unlink_tmp;
    }
    if (keep_fd)
        *keep_fd = fd;
    else
        close(fd);
    fs_leave(&fs);
    return 0;
unlink_tmp:
    close(fd);
    unlinkat(u->fd, tmp, 0);
out:
    fs_leave(&fs);
    return rc;
}

static void unlink_as_owner(const struct udir *u, const char *name)
{
    struct fsas fs;
    fs_enter(&fs, u->owner);
    unlinkat(u->fd, name, 0);
    fs_leave(&fs);
}

/* Opens a regular file of the directory for reading: no link followed, no
 * FIFO waited on, owned by the directory's uid or root. fd or -errno. */
static int open_reg_file(const struct udir *u, const char *name, struct stat *st)
{
    int fd = openat(u->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    if (fstat(fd, st) || !S_ISREG(st->st_mode) || (st->st_uid != u->uid && st->st_uid != 0)) {
        close(fd);
        return -ENOENT;
    }
    return fd;
}

/* ---- entries ------------------------------------------------------------- */

static int read_entry(const struct udir *u, int shmid, struct reg_entry **out)
{
    char name[32];
    snprintf(name, sizeof name, "seg.%d", shmid);
    struct stat st;
    int fd = open_reg_file(u, name, &st);
    if (fd < 0)
        return fd == -ENOMEM ? fd : -ENOENT;
    if (st.st_size < (off_t)sizeof(struct reg_entry) || st.st_size > (64 << 20)) {
        close(fd);
        return -ENOENT;
    }
    struct reg_entry *e = malloc((size_t)st.st_size);
    if (!e) {
        close(fd);
        return -ENOMEM;
    }
    ssize_t n = read(fd, e, (size_t)st.st_size);
    close(fd);
    if (n != st.st_size || e->magic != REG_MAGIC || e->version != REG_VERSION || e->nranges < 0 ||
        (size_t)st.st_size != sizeof *e + (size_t)e->nranges * sizeof(struct reg_range) || e->shmid != shmid) {
        free(e);
        return -ENOENT;
    }
    *out = e;
    return 0;
}

static int store_entry(const struct udir *u, int shmid, const struct reg_entry *e, size_t sz)
{
    char name[32];
    snprintf(name, sizeof name, "seg.%d", shmid);
    return write_atomic(u, name, e, sz, NULL);
}

struct reg_entry *reg_entry_from_plan(const struct plan *p, const struct rashm_range *ranges, int nranges,
                                      size_t *size)
{
    *size = sizeof(struct reg_entry) + (size_t)p->n * sizeof(struct reg_range);
    struct reg_entry *e = calloc(1, *size);
    if (!e)
        return NULL;
    e->magic = REG_MAGIC;
    e->version = REG_VERSION;
    e->nranges = p->n;
    for (int i = 0; i < p->n; i++) {
        const struct plan_entry *pe = &p->e[i];
        struct reg_range *r = &e->r[i];
        r->offset = pe->offset;
        r->length = pe->length;
        r->policy = pe->policy;
        r->eff_policy = pe->eff_policy;
        r->origin = pe->origin;
        r->srad = pe->srad;
        r->range_index = pe->range_index;
        r->mode = pe->mode;
        r->populate_now = pe->populate_now;
        r->per_attach = pe->per_attach;
        r->nodes = pe->nodes;
        r->mask = pe->mask;
        if (pe->range_index >= 0 && pe->range_index < nranges)
            r->cpus = ranges[pe->range_index].cpus;
        if (pe->per_attach)
            e->has_per_attach = 1;
    }
    return e;
}

int reg_store(int shmid, const void *base, uint64_t page_size, int hugetlb, const struct plan *p,
              const struct rashm_range *ranges, int nranges, const struct reg_pending_h *h)
{
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
        return -errno;
    uint64_t birth = 0;
    if (seg_mapping_birth(base, ds.shm_segsz, &birth))
        birth = 0;
    int rc;
    size_t sz;
    struct reg_entry *e = reg_entry_from_plan(p, ranges, nranges, &sz);
    if (!e)
        return -ENOMEM;
    e->shmid = shmid;
    e->key = ds.shm_perm.__key;
    e->cpid = ds.shm_cpid;
    e->segsz = ds.shm_segsz;
    e->ctime = ds.shm_ctime;
    e->birth = birth;
    e->hugetlb = hugetlb;
    e->page_size = page_size;
    struct udir u;
    if (h && h->dfd >= 0 && h->uid == ds.shm_perm.cuid) {
        /* the directory the creation record is in, verified then */
        u.fd = dup(h->dfd);
        u.uid = h->uid;
        u.owner = h->owner;
        rc = u.fd < 0 ? -errno : 0;
    } else {
        rc = reg_open(ds.shm_perm.cuid, 1, &u);
    }
    if (rc && rc != -ENOMEM) {
        /* no usable registry (refused: said once; missing, or no right to
         * make our directory in it): not recorded */
        rashm_dbg("registry: shmid %d not recorded: %s", shmid, strerror(-rc));
        rc = 0;
        goto free_entry;
    }
    if (rc)
        goto free_entry;
    rc = store_entry(&u, shmid, e, sz);
    close(u.fd);
free_entry:
    free(e);
    return rc;
}

int reg_exists(int shmid)
{
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
        return 0;
    struct udir u;
    if (reg_open(ds.shm_perm.cuid, 0, &u))
        return 0;
    char name[32];
    struct stat st;
    snprintf(name, sizeof name, "seg.%d", shmid);
    int ok = fstatat(u.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    close(u.fd);
    return ok;
}

/* 1: entry describes the segment now behind shmid; 0: stale; -ESTALE:
 * cannot be verified here (not used, not deleted); other -errno: can't
 * tell. */
static int entry_valid(const struct reg_entry *e, int shmid, const void *mapped)
{
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
        return (errno == EINVAL || errno == EIDRM) ? 0 : -errno;
    /* IPC_RMID turns the key into IPC_PRIVATE while attaches remain */
    int removed = (ds.shm_perm.mode & SHM_DEST) != 0;
    if ((!removed && ds.shm_perm.__key != e->key) || ds.shm_cpid != e->cpid || ds.shm_segsz != e->segsz ||
        ds.shm_ctime < e->ctime)
        return 0;
    int exact = ds.shm_ctime == e->ctime;
    if (e->birth) {
        uint64_t birth = 0;
        int rc = -EACCES;
        if (mapped) {
            rc = seg_mapping_birth(mapped, ds.shm_segsz, &birth);
        } else {
            void *a = seg_shmat_raw(shmid, NULL, SHM_RDONLY);
            if (a != (void *)-1) {
                rc = seg_mapping_birth(a, ds.shm_segsz, &birth);
                seg_shmdt_raw(a);
            }
        }
        if (rc == 0)
            return birth == e->birth;   /* the file's own identity decides */
    }
    /* no file identity here: shm_ctime (changed only by creation and
     * IPC_SET, which librashm's shmctl follows with a refresh) must match
     * to the second; natural id reuse takes far longer than a second */
    return exact ? 1 : -ESTALE;
}

/* Collects dead creators' segments whose records are in u, for segments
 * created by pid `cpid` (0: all). */
static void collect_records(const struct udir *u, pid_t cpid);

int reg_load(int shmid, const void *mapped, struct reg_entry **out)
{
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
        return (errno == EINVAL || errno == EIDRM) ? -ENOENT : -errno;
    struct udir u;
    int rc = reg_open(ds.shm_perm.cuid, 0, &u);
    if (rc)
        return rc == -ENOMEM ? rc : -ENOENT;
    struct reg_entry *e = NULL;
    rc = read_entry(&u, shmid, &e);
    if (rc == -ENOENT && (geteuid() == 0 || geteuid() == ds.shm_perm.cuid))
        collect_records(&u, ds.shm_cpid);   /* a creator killed before its entry */
    if (rc) {
        close(u.fd);
        return rc == -ENOMEM ? rc : -ENOENT;
    }
    rc = entry_valid(e, shmid, mapped);
    if (rc == 1) {
        close(u.fd);
        *out = e;
        return 0;
    }
    if (rc == 0) {
        char name[32];
        snprintf(name, sizeof name, "seg.%d", shmid);
        rashm_dbg("registry: entry for shmid %d is stale, removed", shmid);
        unlink_as_owner(&u, name);
    } else if (rc == -ESTALE) {
        rashm_dbg("registry: entry for shmid %d cannot be verified here (shm_ctime changed), not used", shmid);
    }
    close(u.fd);
    free(e);
    return rc < 0 && rc != -ESTALE ? rc : -ENOENT;
}

int reg_refresh(int shmid, int64_t old_ctime)
{
    struct shmid_ds ds;
    if (seg_shmctl_raw(shmid, IPC_STAT, &ds))
        return -errno;
    if (ds.shm_ctime == old_ctime)
        return 0;
    struct udir u;
    int rc = reg_open(ds.shm_perm.cuid, 0, &u);
    if (rc)
        return rc == -ENOENT || rc == -EPERM ? 0 : rc;
    struct reg_entry *e = NULL;
    rc = read_entry(&u, shmid, &e);
    if (rc == 0) {
        int removed = (ds.shm_perm.mode & SHM_DEST) != 0;
        /* the entry was this segment's just before the IPC_SET */
        if (e->ctime == old_ctime && (removed || ds.shm_perm.__key == e->key) && ds.shm_cpid == e->cpid &&
            ds.shm_segsz == e->segsz) {
            e->ctime = ds.shm_ctime;
            rc = store_entry(&u, shmid, e, sizeof *e + (size_t)e->nranges * sizeof(struct reg_range));
        }
        free(e);
    } else {
        rc = rc == -ENOENT ? 0 : rc;
    }
    close(u.fd);
    return rc;
}

void reg_remove(int shmid, uid_t cuid)
{
    struct udir u;
    if (reg_open(cuid, 0, &u))
        return;
    char name[32];
    snprintf(name, sizeof name, "seg.%d", shmid);
    unlink_as_owner(&u, name);
    close(u.fd);
}

/* ---- creations in progress ------------------------------------------------ */

void reg_pending_begin(key_t key, uint64_t size, struct reg_pending_h *h)
{
    h->fd = h->dfd = -1;
    h->name[0] = 0;
    struct reg_pending r;
    memset(&r, 0, sizeof r);
    /* without /proc nobody could tell later whether we are gone: no record
     * (then nothing is ever collected, rather than a live creation) */
    if (self_identity(&r.pid, &r.start, &r.pidns))
        return;
    r.magic = PEND_MAGIC;
    r.version = PEND_VERSION;
    r.shmid = -1;
    r.key = key;
    r.cuid = (uint32_t)geteuid();
    r.ipcns = ns_inode("ipc");
    r.segsz = size;
    r.time = (int64_t)time(NULL);
    struct udir u;
    if (reg_open(r.cuid, 1, &u))
        return;
    char tag[96];
    if (writer_tag(tag, sizeof tag)) {
        close(u.fd);
        return;
    }
    snprintf(h->name, sizeof h->name, "new.%s", tag);
    if (write_atomic(&u, h->name, &r, sizeof r, &h->fd)) {
        close(u.fd);
        h->name[0] = 0;
        return;
    }
    h->dfd = u.fd;
    h->uid = u.uid;
    h->owner = u.owner;
}

void reg_pending_set_id(struct reg_pending_h *h, int shmid)
{
    if (h->fd < 0)
        return;
    int32_t id = shmid;
    /* one aligned 4-byte write in place; a reader that meets -1 (or
     * anything that does not match) searches by creator instead */
    if (pwrite(h->fd, &id, sizeof id, offsetof(struct reg_pending, shmid)) != (ssize_t)sizeof id)
        rashm_dbg("registry: cannot add shmid %d to the creation record", shmid);
}

void reg_pending_end(struct reg_pending_h *h)
{
    if (h->fd >= 0)
        close(h->fd);
    if (h->dfd >= 0) {
        unlinkat(h->dfd, h->name, 0);
        close(h->dfd);
    }
    h->fd = h->dfd = -1;
}

/* The segment `ds` (behind id) may be the one the record's creator made. */
static int record_matches(const struct reg_pending *r, const struct shmid_ds *ds)
{
    int removed = (ds->shm_perm.mode & SHM_DEST) != 0;
    return ds->shm_perm.cuid == r->cuid && ds->shm_cpid == r->pid && (removed || ds->shm_perm.__key == r->key) &&
           ds->shm_segsz == r->segsz && (int64_t)ds->shm_ctime >= r->time - 1;
}

/* Attaches of segment id in this process: mappings of its shm file
 * ("/SYSV<key> (deleted)", inode = the id) that start at offset 0 (an
 * attach split into several VMAs by per-range policies counts once). A
 * reader that attached the segment to look at it (a query,
 * ra_get_attachinfo) is not "somebody using it". */
struct own_arg {
    uint64_t id;
    unsigned long n;
};

static int own_attach(const struct rcom_vma *v, void *p)
{
    struct own_arg *a = p;
    if (v->offset == 0 && v->inode == a->id && !strncmp(v->path, "/SYSV", 5))
        a->n++;
    return 0;
}

static unsigned long own_attaches(int id)
{
    struct own_arg a = { (uint64_t)id, 0 };
    return rcom_vma_each(0, own_attach, &a) == 0 ? a.n : 0;
}

/* Removes segment id if it still matches the record and nobody else has it
 * attached: 1 removed (or gone), 0 kept (attached: try again later). */
static int remove_if_unused(const struct udir *u, const struct reg_pending *r, int id)
{
    struct shmid_ds ds;
    if (seg_shmctl_raw(id, IPC_STAT, &ds))
        return 1;
    if (!record_matches(r, &ds))
        return 1;   /* not this creation's */
    if (ds.shm_nattch != 0 && ds.shm_nattch != own_attaches(id))
        return 0;   /* somebody opened the half-made segment: theirs to keep for now */
    if (seg_shmctl_raw(id, IPC_RMID, NULL) && errno != EINVAL && errno != EIDRM)
        return 0;
    char name[32];
    snprintf(name, sizeof name, "seg.%d", id);
    unlink_as_owner(u, name);
    rashm_dbg("registry: shmid %d was being created by pid %d, which died: removed", id, (int)r->pid);
    return 1;
}

/* The creator of record r is gone. Finds what it made: the recorded id,
 * else (killed between shmget and adding the id) every segment of this
 * IPC namespace with its pid, uid, key, size and a later creation time.
 * 1: nothing of it is left; 0: something stays (attached). */
static int collect_segments(const struct udir *u, const struct reg_pending *r)
{
    struct shmid_ds ds;
    if (r->shmid >= 0 && seg_shmctl_raw(r->shmid, IPC_STAT, &ds) == 0 && record_matches(r, &ds))
        return remove_if_unused(u, r, r->shmid);
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    if (!f)
        return 0;
    char line[512];
    int all = 1;
    if (fgets(line, sizeof line, f))
        while (fgets(line, sizeof line, f)) {
            long long key, id, size, cpid;
            unsigned perms;
            if (sscanf(line, "%lld %lld %o %lld %lld", &key, &id, &perms, &size, &cpid) != 5)
                continue;
            if (cpid != r->pid || (uint64_t)size != r->segsz)
                continue;
            if (!remove_if_unused(u, r, (int)id))
                all = 0;
        }
    fclose(f);
    return all;
}

/* Judges one record: left alone while its creator lives (or cannot be
 * judged from here); else its segments are collected and it is deleted. */
static void collect_record(const struct udir *u, const char *name, uint64_t my_pidns, uint64_t my_ipcns)
{
    uint64_t pidns, start;
    pid_t pid;
    if (parse_tag(name + 4, &pidns, &pid, &start))
        return;
    struct stat st;
    if (pidns != my_pidns) {
        /* the pid means nothing here; a record its namespace never
         * collected is deleted after a day (its segment, if any, too
         * lives in a namespace we cannot see) */
        if (fstatat(u->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && time(NULL) - st.st_mtime > FOREIGN_NS_AGE)
            unlink_as_owner(u, name);
        return;
    }
    if (pid == getpid() || creator_gone(pid, start) != 1)
        return;     /* (our own records: we are alive) */
    struct reg_pending r;
    int fd = open_reg_file(u, name, &st);
    int full = 0;
    if (fd >= 0) {
        full = read(fd, &r, sizeof r) == (ssize_t)sizeof r && r.magic == PEND_MAGIC && r.version == PEND_VERSION &&
               r.pid == pid && r.start == start && r.pidns == pidns && r.cuid == u->uid;
        close(fd);
    } else if (fd != -ENOENT) {
        return;
    }
    if (full && r.ipcns != my_ipcns) {
        if (time(NULL) - st.st_mtime > FOREIGN_NS_AGE)
            unlink_as_owner(u, name);
        return;   /* its segments live where we cannot see them */
    }
    /* a short or foreign record: junk (a record is renamed into place
     * whole, before shmget, so its creator never made a segment) */
    if (full && !collect_segments(u, &r))
        return;
    unlink_as_owner(u, name);
}

/* A temporary file whose writer is gone (killed between create and rename). */
static void collect_tmp(const struct udir *u, const char *name, uint64_t my_pidns)
{
    uint64_t pidns, start;
    pid_t pid;
    struct stat st;
    if (parse_tag(name + 4, &pidns, &pid, &start))
        return;
    if (pidns == my_pidns ? creator_gone(pid, start) == 1
                          : fstatat(u->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                                time(NULL) - st.st_mtime > FOREIGN_NS_AGE)
        unlink_as_owner(u, name);
}

/* A directory stream over a verified per-uid directory, read from its
 * start (the stream shares the file offset of u->fd, which an earlier pass
 * may have left at the end), with this process's pid and IPC namespaces. */
static DIR *udir_stream(const struct udir *u, uint64_t *pidns, uint64_t *ipcns)
{
    int32_t mypid;
    uint64_t mystart;
    if (self_identity(&mypid, &mystart, pidns))
        return NULL;
    *ipcns = ns_inode("ipc");
    int dfd = dup(u->fd);
    if (dfd < 0)
        return NULL;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return NULL;
    }
    rewinddir(d);
    return d;
}

static void collect_records(const struct udir *u, pid_t cpid)
{
    uint64_t pidns, ipcns;
    DIR *d = udir_stream(u, &pidns, &ipcns);
    if (!d)
        return;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "new.%llu.%d.", (unsigned long long)pidns, (int)cpid);
    struct dirent *de;
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, prefix, strlen(prefix)))
            collect_record(u, de->d_name, pidns, ipcns);
    closedir(d);
}

/* Prunes one verified per-uid directory: entries whose segment is gone,
 * records of dead creators (with their segments), temporaries of dead
 * writers. Names are handled relative to the directory fd; nothing is
 * followed; unlinks run with the directory owner's fsuid. */
static void prune_udir(const struct udir *u, long limit)
{
    uint64_t pidns, ipcns;
    DIR *d = udir_stream(u, &pidns, &ipcns);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) && limit-- != 0) {
        int id, n = -1;
        if (sscanf(de->d_name, "seg.%d%n", &id, &n) == 1 && n > 0 && !de->d_name[n]) {
            struct shmid_ds ds;
            /* only the cheap test here: the segment is gone */
            if (seg_shmctl_raw(id, IPC_STAT, &ds) && (errno == EINVAL || errno == EIDRM))
                unlink_as_owner(u, de->d_name);
        } else if (!strncmp(de->d_name, "new.", 4)) {
            collect_record(u, de->d_name, pidns, ipcns);
        } else if (!strncmp(de->d_name, "tmp.", 4)) {
            collect_tmp(u, de->d_name, pidns);
        }
    }
    closedir(d);
}

void reg_prune_own(const struct reg_pending_h *h)
{
    struct udir u;
    if (h && h->dfd >= 0 && h->uid == geteuid()) {
        u.fd = h->dfd;
        u.uid = h->uid;
        u.owner = h->owner;
        prune_udir(&u, -1);
        return;
    }
    if (reg_open(geteuid(), 0, &u))
        return;
    prune_udir(&u, -1);
    close(u.fd);
}

/* Root's full prune is due when the stamp (a root-owned regular file in
 * the top directory) is older than FULL_PRUNE_INTERVAL; it is touched then.
 * A stamp somebody else planted is replaced. */
static int full_prune_due(int top)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = openat(top, PRUNE_STAMP, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644);
        struct stat st;
        /* root's own, and no hard link to some other root file (whose
         * times we would touch) */
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 && st.st_nlink == 1 &&
            st.st_size <= 1) {
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            int due = st.st_size == 0 || now.tv_sec - st.st_mtime >= FULL_PRUNE_INTERVAL ||
                      now.tv_sec < st.st_mtime;
            if (due) {
                futimens(fd, NULL);
                if (st.st_size == 0 && write(fd, "", 1) != 1)
                    due = 1;
            }
            close(fd);
            return due;
        }
        if (fd >= 0)
            close(fd);
        unlinkat(top, PRUNE_STAMP, 0);   /* not ours: root may delete it in the sticky top */
    }
    return 1;
}

void reg_prune(void)
{
    uid_t me = geteuid();
    if (me != 0) {
        reg_prune_own(NULL);   /* unlink and IPC_RMID work only on our own anyway */
        return;
    }
    struct rashm_cfg c;
    if (cfg_read(&c))
        return;
    int top = top_open(&c, 0);
    if (top < 0)
        return;
    struct udir u;
    if (udir_open(top, 0, 0, &u) == 0) {
        prune_udir(&u, -1);
        close(u.fd);
    }
    if (!full_prune_due(top)) {
        close(top);
        return;
    }
    int dfd = dup(top);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        close(top);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned uid;
        int n = -1;
        char canon[16];
        if (sscanf(de->d_name, "%u%n", &uid, &n) != 1 || n <= 0 || de->d_name[n] || uid == 0)
            continue;
        snprintf(canon, sizeof canon, "%u", uid);
        if (strcmp(canon, de->d_name))
            continue;   /* "007" is not uid 7's */
        /* create=1: a foreign directory is moved aside (root only) so that
         * uid gets a usable one again at its next creation */
        int rc = udir_open(top, (uid_t)uid, 1, &u);
        if (rc)
            continue;
        /* bounded: a user's junk costs root's listing a bounded amount
         * per interval (the user's own creations prune it all) */
        prune_udir(&u, FULL_PRUNE_PER_DIR);
        close(u.fd);
    }
    closedir(d);
    close(top);
}

int rashm_registry_fd(int create)
{
    int fd = reg_top_fd(create);
    return fd < 0 ? rashm_fail(fd) : fd;
}
