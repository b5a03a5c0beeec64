/* The placement registry: one small file per placed segment under
 * RASHM_REGISTRY_DIR (default /dev/shm/rashm-registry, tmpfs, world
 * readable), holding the segment's ranges and policies so that any process
 * can answer "what is this segment attached to" and re-apply per-attach
 * policies.
 *
 * Identity: System V ids are reused (and so are the inode numbers the
 * kernel gives shm files: they are the id), so an entry is tied to the
 * segment it was written for: key, creator pid, size, shm_ctime and an
 * identity of the segment's shm file read through /proc/self/map_files of
 * an attach (seg_mapping_birth: the tmpfs inode's random generation number
 * for 4 KiB segments, the creation time for hugetlb; needs
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN, without which the other fields
 * alone decide). librashm's shmctl also deletes the entry on IPC_RMID.
 * An entry whose segment is gone, or whose identity no longer matches, is
 * stale: it is ignored and deleted (pruned) when met. Files are replaced
 * with rename(), so readers never see half an entry.
 *
 * Layout: <dir>/<creator uid>/seg.<shmid>. The top directory is sticky and
 * world-writable like /tmp; each creator's directory belongs to that uid, so
 * nobody can plant or block another user's entries, and an entry left by
 * one user never stands in the way of another user's segment that gets the
 * same id. Entries are trusted only when the file and its directory belong
 * to the segment's creator or to root.
 *
 * Creation in progress: <dir>/<cuid>/new.<shmid> says "being created by
 * pid P, started at S" (S: /proc/P/stat's start time, so a reused pid is
 * not taken for P). The creator writes it right after shmget, before the
 * slow steps (attach, mbind, lock, populate), and removes it once seg.<id>
 * is written, or with the segment when creation fails. A creator killed
 * in between cannot clean up; pruning (every rashm_create and rashm_list)
 * and reg_load without an entry (ra_get_attachinfo) then collect the
 * segment: IPC_RMID when P is gone, the segment is still the one recorded
 * and nobody has it attached. The window left: shmget -> record written. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define REG_MAGIC 0x72617368u /* "rash" */
#define REG_VERSION 1
#define PEND_MAGIC 0x7273686eu /* "rshn" */
#define PEND_VERSION 1

/* The "being created" record (new.<shmid>). */
struct reg_pending {
    uint32_t magic, version;
    int32_t shmid;
    int32_t key;
    int32_t pid;               /* the creator (getpid(): the segment's cpid) */
    int32_t pad;
    uint64_t start;            /* its start time, clock ticks after boot */
    uint64_t pidns;            /* inode of its pid namespace (0: unknown) */
    uint64_t segsz;
    int64_t ctime;
};

static void collect_pending(const struct rashm_cfg *c, uid_t cuid, int shmid);

static void reg_path(const struct rashm_cfg *c, uid_t cuid, int shmid, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%u/seg.%d", c->registry_dir, (unsigned)cuid, shmid);
}

static void pend_path(const struct rashm_cfg *c, uid_t cuid, int shmid, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%u/new.%d", c->registry_dir, (unsigned)cuid, shmid);
}

/* Creates <dir> (sticky, world-writable) and <dir>/<cuid> (owned by cuid). */
static int ensure_dirs(const struct rashm_cfg *c, uid_t cuid)
{
    if (mkdir(c->registry_dir, 01777) == 0)
        chmod(c->registry_dir, 01777);  /* not narrowed by the umask */
    else if (errno != EEXIST)
        return -errno;
    char sub[300];
    snprintf(sub, sizeof sub, "%s/%u", c->registry_dir, (unsigned)cuid);
    if (mkdir(sub, 0755) == 0) {
        if (geteuid() != cuid && chown(sub, cuid, (gid_t)-1)) {
            int e = errno;
            rmdir(sub);
            return -e;
        }
        return 0;
    }
    if (errno != EEXIST)
        return -errno;
    struct stat st;
    if (stat(sub, &st) || !S_ISDIR(st.st_mode) || (st.st_uid != cuid && st.st_uid != 0))
        return -EPERM;
    return 0;
}

int reg_store(int shmid, const void *base, uint64_t page_size, int hugetlb, const struct plan *p,
              const struct rashm_range *ranges, int nranges)
{
    struct rashm_cfg c;
    cfg_read(&c);
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return -errno;
    uint64_t birth = 0;
    if (seg_mapping_birth(base, ds.shm_segsz, &birth))
        birth = 0;
    int rc;
    size_t sz = sizeof(struct reg_entry) + (size_t)p->n * sizeof(struct reg_range);
    struct reg_entry *e = calloc(1, sz);
    if (!e)
        return -ENOMEM;
    e->magic = REG_MAGIC;
    e->version = REG_VERSION;
    e->shmid = shmid;
    e->key = ds.shm_perm.__key;
    e->cpid = ds.shm_cpid;
    e->segsz = ds.shm_segsz;
    e->ctime = ds.shm_ctime;
    e->birth = birth;
    e->hugetlb = hugetlb;
    e->page_size = page_size;
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
    rc = ensure_dirs(&c, ds.shm_perm.cuid);
    if (rc)
        goto free_entry;
    char path[320], tmp[352];
    reg_path(&c, ds.shm_perm.cuid, shmid, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        goto free_entry;
    }
    if (write(fd, e, sz) != (ssize_t)sz) {
        rc = errno ? -errno : -EIO;
        close(fd);
        goto unlink_tmp;
    }
    close(fd);
    if (rename(tmp, path)) {
        rc = -errno;
        goto unlink_tmp;
    }
    /* complete: the creation record goes (a creator killed right here
     * leaves both files; the collector sees seg.<id> and keeps the segment) */
    pend_path(&c, ds.shm_perm.cuid, shmid, path, sizeof path);
    unlink(path);
    free(e);
    return 0;
unlink_tmp:
    unlink(tmp);
free_entry:
    free(e);
    return rc;
}

static int read_entry(const char *path, uid_t cuid, struct reg_entry **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (st.st_uid != cuid && st.st_uid != 0) ||
        st.st_size < (off_t)sizeof(struct reg_entry) || st.st_size > (64 << 20)) {
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
        (size_t)st.st_size != sizeof *e + (size_t)e->nranges * sizeof(struct reg_range)) {
        free(e);
        return -ENOENT;
    }
    *out = e;
    return 0;
}

int reg_exists(int shmid)
{
    struct rashm_cfg c;
    cfg_read(&c);
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return 0;
    char path[320];
    reg_path(&c, ds.shm_perm.cuid, shmid, path, sizeof path);
    return access(path, F_OK) == 0;
}

/* 1: entry describes the segment now behind shmid; 0: stale; -errno: can't tell */
static int entry_valid(const struct reg_entry *e, int shmid, const void *mapped)
{
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return (errno == EINVAL || errno == EIDRM) ? 0 : -errno;
    /* IPC_RMID turns the key into IPC_PRIVATE while attaches remain */
    int removed = (ds.shm_perm.mode & SHM_DEST) != 0;
    if ((!removed && ds.shm_perm.__key != e->key) || ds.shm_cpid != e->cpid || ds.shm_segsz != e->segsz ||
        ds.shm_ctime < e->ctime)
        return 0;
    if (!e->birth)
        return 1;
    uint64_t birth = 0;
    int rc;
    if (mapped) {
        rc = seg_mapping_birth(mapped, ds.shm_segsz, &birth);
    } else {
        void *a = seg_shmat_raw(shmid, NULL, SHM_RDONLY);
        if (a == (void *)-1)
            return errno == EACCES ? 1 : -errno;
        rc = seg_mapping_birth(a, ds.shm_segsz, &birth);
        seg_shmdt_raw(a);
    }
    if (rc)
        return 1;      /* cannot read the creation time here: trust the rest */
    return birth == e->birth;
}

int reg_load(int shmid, const void *mapped, struct reg_entry **out)
{
    struct rashm_cfg c;
    cfg_read(&c);
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return (errno == EINVAL || errno == EIDRM) ? -ENOENT : -errno;
    char path[320];
    reg_path(&c, ds.shm_perm.cuid, shmid, path, sizeof path);
    struct reg_entry *e = NULL;
    int rc = read_entry(path, ds.shm_perm.cuid, &e);
    if (rc == -ENOENT)
        collect_pending(&c, ds.shm_perm.cuid, shmid);  /* one failed open, normally */
    if (rc)
        return rc == -ENOMEM ? rc : -ENOENT;
    rc = e->shmid == shmid ? entry_valid(e, shmid, mapped) : 0;
    if (rc == 1) {
        *out = e;
        return 0;
    }
    if (rc == 0) {
        rashm_dbg("registry: entry for shmid %d is stale, removed", shmid);
        unlink(path);
    }
    free(e);
    return rc < 0 ? rc : -ENOENT;
}

void reg_remove(int shmid, uid_t cuid)
{
    struct rashm_cfg c;
    cfg_read(&c);
    char path[320];
    reg_path(&c, cuid, shmid, path, sizeof path);
    unlink(path);
    pend_path(&c, cuid, shmid, path, sizeof path);
    unlink(path);
}

/* ---- creations in progress ------------------------------------------------ */

/* State, thread count and start time (clock ticks after boot) of process
 * pid, from /proc/PID/stat (fields 3, 20 and 22). */
static int proc_stat(pid_t pid, char *state, long *nthreads, uint64_t *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int e = errno;
    close(fd);
    if (n <= 0)
        return n < 0 ? -e : -EIO;
    buf[n] = 0;
    /* the command name may hold spaces and ')': the fields start after the last ')' */
    char *rp = strrchr(buf, ')');
    unsigned long long st;
    if (!rp || sscanf(rp + 1,
                      " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld %*d %llu",
                      state, nthreads, &st) != 3)
        return -EIO;
    *start = st;
    return 0;
}

/* Inode of this process's pid namespace: pids in a record mean something
 * only to a reader in the same namespace. 0 when unknown. */
static uint64_t pidns_self(void)
{
    struct stat st;
    return stat("/proc/self/ns/pid", &st) ? 0 : (uint64_t)st.st_ino;
}

/* 1: the creator of record r no longer exists; 0: it does; -errno: cannot
 * tell (no /proc). A zombie whose only thread is gone counts as gone (it
 * cannot go on); a zombie thread-group leader whose other threads run
 * (thread count > 1) does not. A different start time means the pid was
 * reused by another process. */
static int creator_gone(const struct reg_pending *r)
{
    char state;
    long nthreads;
    uint64_t start;
    int rc = proc_stat(r->pid, &state, &nthreads, &start);
    if (rc == -ENOENT || rc == -ESRCH)
        return access("/proc/self/stat", F_OK) == 0 ? 1 : -ENOENT;
    if (rc)
        return rc;
    if (start != r->start)
        return 1;
    return (state == 'Z' || state == 'X') && nthreads <= 1;
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
        /* concurrent threads of this process store the same values */
        __atomic_store_n(&cached_start, st, __ATOMIC_RELAXED);
        __atomic_store_n(&cached_ns, pidns_self(), __ATOMIC_RELAXED);
        __atomic_store_n(&cached_pid, me, __ATOMIC_RELEASE);
    }
    *pid = (int32_t)me;
    *start = __atomic_load_n(&cached_start, __ATOMIC_RELAXED);
    *pidns = __atomic_load_n(&cached_ns, __ATOMIC_RELAXED);
    return 0;
}

int reg_pending_store(int shmid)
{
    struct rashm_cfg c;
    cfg_read(&c);
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds))
        return -errno;
    struct reg_pending r;
    memset(&r, 0, sizeof r);
    /* without /proc nobody could tell later whether we are gone: no record
     * (then nothing is ever collected, rather than a live creation) */
    if (self_identity(&r.pid, &r.start, &r.pidns))
        return 0;
    r.magic = PEND_MAGIC;
    r.version = PEND_VERSION;
    r.shmid = shmid;
    r.key = ds.shm_perm.__key;
    r.segsz = ds.shm_segsz;
    r.ctime = ds.shm_ctime;
    int rc = ensure_dirs(&c, ds.shm_perm.cuid);
    if (rc)
        return rc;
    char path[320];
    pend_path(&c, ds.shm_perm.cuid, shmid, path, sizeof path);
    /* written in place (no temporary file and rename: this is the window
     * in which a killed creator leaks, keep it short). A reader that meets
     * the file empty or short leaves it alone; one write of a few dozen
     * bytes to tmpfs is not seen half done in practice. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    if (write(fd, &r, sizeof r) != (ssize_t)sizeof r) {
        rc = errno ? -errno : -EIO;
        close(fd);
        unlink(path);
        return rc;
    }
    close(fd);
    return 0;
}

/* Does seg.<shmid> hold a valid entry for the segment now behind shmid?
 * (Read only: stale entries are left to the usual paths.) */
static int complete_entry_exists(const struct rashm_cfg *c, uid_t cuid, int shmid)
{
    char path[320];
    reg_path(c, cuid, shmid, path, sizeof path);
    struct reg_entry *e = NULL;
    if (read_entry(path, cuid, &e))
        return 0;
    int ok = e->shmid == shmid && entry_valid(e, shmid, NULL) == 1;
    free(e);
    return ok;
}

/* Same segment as recorded: creator uid, key (IPC_PRIVATE once removed),
 * size, creation time. */
static int pending_matches(const struct reg_pending *r, uid_t cuid, const struct shmid_ds *ds)
{
    int removed = (ds->shm_perm.mode & SHM_DEST) != 0;
    return ds->shm_perm.cuid == cuid && (removed || ds->shm_perm.__key == r->key) && ds->shm_segsz == r->segsz &&
           ds->shm_ctime >= r->ctime;
}

/* Looks at the creation record of shmid in cuid's directory, if any:
 * deletes it when stale, removes the segment (IPC_RMID) when its creator
 * died before finishing and nobody has it attached. */
static void collect_pending(const struct rashm_cfg *c, uid_t cuid, int shmid)
{
    char path[320];
    pend_path(c, cuid, shmid, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    struct stat st;
    struct reg_pending r;
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_uid == cuid || st.st_uid == 0) &&
             read(fd, &r, sizeof r) == (ssize_t)sizeof r && r.magic == PEND_MAGIC && r.version == PEND_VERSION &&
             r.shmid == shmid;
    close(fd);
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds)) {
        if (errno == EINVAL || errno == EIDRM)
            unlink(path);               /* the segment is gone */
        return;
    }
    if (!ok)
        return;                         /* not a record we can judge */
    if (!pending_matches(&r, cuid, &ds)) {
        unlink(path);                   /* the id names another segment now */
        return;
    }
    if (!r.pidns || r.pidns != pidns_self())
        return;                         /* the creator's pid means nothing here */
    if (ds.shm_cpid != r.pid) {
        unlink(path);                   /* another creator: another segment */
        return;
    }
    if (creator_gone(&r) != 1)
        return;                         /* still being created, or cannot tell */
    if (complete_entry_exists(c, cuid, shmid)) {
        unlink(path);                   /* finished; killed before deleting the record */
        return;
    }
    /* again, right before the removal: still the same segment, unattached
     * (an attach means somebody uses it: try again next time) */
    if (shmctl(shmid, IPC_STAT, &ds) || !pending_matches(&r, cuid, &ds) || ds.shm_cpid != r.pid ||
        ds.shm_nattch != 0)
        return;
    if (shmctl(shmid, IPC_RMID, NULL) == 0 || errno == EINVAL || errno == EIDRM) {
        rashm_dbg("registry: shmid %d was being created by pid %d, which died: removed", shmid, (int)r.pid);
        unlink(path);
    }
}

/* Prunes one creator's directory. */
static void prune_dir(const struct rashm_cfg *c, uid_t uid, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        int id;
        char extra;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (sscanf(de->d_name, "seg.%d%c", &id, &extra) == 1) {
            struct shmid_ds ds;
            /* only the cheap test here: the segment is gone */
            if (shmctl(id, IPC_STAT, &ds) && (errno == EINVAL || errno == EIDRM))
                unlink(path);
        } else if (sscanf(de->d_name, "new.%d%c", &id, &extra) == 1) {
            collect_pending(c, uid, id);
        } else if (strstr(de->d_name, ".tmp.")) {
            /* a writer that died between write and rename */
            int pid = atoi(strrchr(de->d_name, '.') + 1);
            if (pid > 0 && kill(pid, 0) && errno == ESRCH)
                unlink(path);
        }
    }
    closedir(d);
}

void reg_prune(void)
{
    struct rashm_cfg c;
    cfg_read(&c);
    DIR *d = opendir(c.registry_dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned uid;
        char extra;
        if (sscanf(de->d_name, "%u%c", &uid, &extra) != 1)
            continue;
        /* unlink works only where we may: our own directory, or all as root */
        if (geteuid() != 0 && uid != (unsigned)geteuid())
            continue;
        char sub[600];
        snprintf(sub, sizeof sub, "%s/%s", c.registry_dir, de->d_name);
        prune_dir(&c, (uid_t)uid, sub);
    }
    closedir(d);
}
