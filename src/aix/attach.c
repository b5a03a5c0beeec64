/* Processes and threads attached to resources: ra_attachrset,
 * ra_detachrset, ra_getrset, bindprocessor, and the R_PROCESS / R_THREAD
 * side of ra_attach / ra_detach.
 *
 * Linux mapping (docs/aix.md "Process and thread attachments"):
 *   - an attachment's CPUs are the affinity mask (sched_setaffinity) of the
 *     thread, or of every thread of the process;
 *   - its memory is the memory policy of the calling thread when that
 *     thread is (one of) the target(s): set_mempolicy acts on the calling
 *     thread only, and no Linux call sets another thread's policy. Other
 *     target threads allocate on the nodes of the CPUs they are now bound
 *     to, which is what the kernel's default (local) policy does;
 *   - AIX remembers what is attached and what bindprocessor bound; Linux
 *     only has masks. Attachments made by this process to its own threads
 *     are remembered here (exact AIX answers); for other processes the
 *     answers are derived from their masks (a mask narrower than the
 *     partition is an attachment; a single CPU mask is a bindprocessor
 *     binding for getthrds64).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "aix.h"
#include "procfs.h"
#include "sys/processor.h"
#include "sys/thread.h"

/* ---- what this process attached (to its own threads) ------------------ */

enum { TH_NONE, TH_RSET, TH_BOUND };

struct thread_rec {
    pid_t tid;
    int kind;                 /* TH_RSET: own rset; TH_BOUND: bindprocessor */
    int cpu;                  /* TH_BOUND */
    struct rset r;            /* TH_RSET */
};

static pthread_mutex_t att_lock = PTHREAD_MUTEX_INITIALIZER;
static int proc_attached;     /* R_PROCESS attachment of this process */
static struct rset proc_rset;
static struct thread_rec *threads;
static int nthreads, capthreads;
static pid_t att_pid;         /* the pid the records belong to (fork resets) */

/* Records of a parent are not the child's (fork copies memory, and the
 * child has one thread with a new tid). Called with att_lock held. */
static void recs_check_pid(void)
{
    pid_t me = getpid();
    if (att_pid != me) {
        nthreads = 0;
        /* the child inherits the mask of the forking thread; keep a process
         * attachment record only if that thread followed it */
        att_pid = me;
    }
}

static struct thread_rec *rec_find(pid_t tid)
{
    for (int i = 0; i < nthreads; i++)
        if (threads[i].tid == tid)
            return &threads[i];
    return NULL;
}

static struct thread_rec *rec_get(pid_t tid)
{
    struct thread_rec *r = rec_find(tid);
    if (r)
        return r;
    if (nthreads == capthreads) {
        int n = capthreads ? capthreads * 2 : 16;
        struct thread_rec *p = realloc(threads, (size_t)n * sizeof *p);
        if (!p)
            return NULL;
        threads = p;
        capthreads = n;
    }
    r = &threads[nthreads++];
    memset(r, 0, sizeof *r);
    r->tid = tid;
    return r;
}

static void rec_drop(pid_t tid)
{
    for (int i = 0; i < nthreads; i++)
        if (threads[i].tid == tid) {
            threads[i] = threads[--nthreads];
            return;
        }
}

/* ---- /proc helpers ------------------------------------------------------- */

/* Tgid and effective/real uid of a task (any tid). -ESRCH if none. */
struct task_ids {
    pid_t tgid;
    uid_t ruid, euid;
    int got;
};

static int task_line(const char *name, const char *value, void *arg)
{
    struct task_ids *t = arg;
    unsigned long a, b;
    long g;
    if (!strcmp(name, "Tgid") && sscanf(value, "%ld", &g) == 1) {
        t->tgid = (pid_t)g;
        t->got |= 1;
    } else if (!strcmp(name, "Uid") && sscanf(value, "%lu %lu", &a, &b) == 2) {
        t->ruid = (uid_t)a;
        t->euid = (uid_t)b;
        t->got |= 2;
    }
    return t->got == 3;
}

/* (one read of the file: both answers are of the same task) */
static int task_status(pid_t tid, pid_t *tgid, uid_t *ruid, uid_t *euid)
{
    struct task_ids t = { 0, 0, 0, 0 };
    if (tid <= 0 || rcom_status_each(tid, task_line, &t) != 1)
        return -ESRCH;
    *tgid = t.tgid;
    *ruid = t.ruid;
    *euid = t.euid;
    return 0;
}

/* Calls fn for every thread of process pid (several passes until a pass
 * finds no thread it had not seen, so threads created meanwhile, which
 * inherit their creator's mask before it changed, are caught). */
static int for_each_thread(pid_t pid, int (*fn)(pid_t tid, void *arg), void *arg)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    pid_t *seen = NULL;
    int nseen = 0, cap = 0, rc = 0;
    for (int pass = 0; pass < 8; pass++) {
        DIR *d = opendir(path);
        if (!d) {
            rc = nseen ? 0 : -ESRCH;
            break;
        }
        int fresh = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] < '0' || de->d_name[0] > '9')
                continue;
            pid_t tid = (pid_t)atol(de->d_name);
            int known = 0;
            for (int i = 0; i < nseen && !known; i++)
                known = seen[i] == tid;
            if (known)
                continue;
            if (nseen == cap) {
                cap = cap ? cap * 2 : 64;
                pid_t *p = realloc(seen, (size_t)cap * sizeof *p);
                if (!p) {
                    rc = -ENOMEM;
                    break;
                }
                seen = p;
            }
            seen[nseen++] = tid;
            fresh = 1;
            int r = fn(tid, arg);
            if (r && r != -ESRCH) {   /* a thread that just exited is fine */
                rc = r;
                break;
            }
        }
        closedir(d);
        if (rc || !fresh)
            break;
    }
    free(seen);
    return rc;
}

static int set_mask(pid_t tid, const rashm_cpuset_t *cpus)
{
    cpu_set_t *cs = CPU_ALLOC(RASHM_MAX_CPUS);
    size_t sz = CPU_ALLOC_SIZE(RASHM_MAX_CPUS);
    if (!cs)
        return -ENOMEM;
    CPU_ZERO_S(sz, cs);
    for (int c = rashm_cpuset_next(cpus, -1); c >= 0; c = rashm_cpuset_next(cpus, c))
        CPU_SET_S((size_t)c, sz, cs);
    int rc = sched_setaffinity(tid, sz, cs) ? -errno : 0;
    CPU_FREE(cs);
    return rc;
}

static int get_mask(pid_t tid, rashm_cpuset_t *cpus)
{
    cpu_set_t *cs = CPU_ALLOC(RASHM_MAX_CPUS);
    size_t sz = CPU_ALLOC_SIZE(RASHM_MAX_CPUS);
    if (!cs)
        return -ENOMEM;
    int rc = sched_getaffinity(tid, sz, cs) ? -errno : 0;
    if (!rc) {
        rashm_cpuset_zero(cpus);
        for (int c = 0; c < RASHM_MAX_CPUS; c++)
            if (CPU_ISSET_S((size_t)c, sz, cs))
                rashm_cpuset_set(cpus, c);
    }
    CPU_FREE(cs);
    return rc;
}

/* ---- memory policy of the calling thread --------------------------------- */

/* The calling thread allocates from the nodes of `cpus` per policy:
 * P_BALANCED interleaves over them; P_DEFAULT / P_FIRST_TOUCH prefer them
 * (advisory, as AIX: other nodes when they are full). With every allowed
 * node in the set the default (local) policy is the same thing. */
static int set_thread_policy(const rashm_topo_t *t, const rashm_cpuset_t *cpus, uint_t policy)
{
    rashm_nodeset_t nodes, allowed, srads;
    rashm_topo_cpus_to_nodes(t, cpus, &nodes);
    if (!rashm_topo_is_this_system(t) || !rashm_numa_available())
        return 0;
    if (rashm_mems_allowed(0, &allowed))
        return 0;
    rashm_nodeset_and(&nodes, &nodes, &allowed);
    if (rashm_nodeset_isempty(&nodes))
        return 0;   /* advisory: nothing to prefer */
    rashm_topo_srad_nodes(t, &srads);
    rashm_nodeset_and(&srads, &srads, &allowed);
    int rc;
    if (policy == P_BALANCED)
        rc = rashm_thread_policy(RASHM_POLICY_BALANCED, &nodes);
    else if (rashm_nodeset_equal(&nodes, &srads))
        rc = rashm_thread_policy(RASHM_POLICY_DEFAULT, NULL);
    else
        rc = rashm_thread_policy(RASHM_POLICY_FIRST_TOUCH, &nodes);
    return rc ? -errno : 0;
}

static void clear_thread_policy(void)
{
    (void)rashm_thread_policy(RASHM_POLICY_DEFAULT, NULL);
}

/* ---- common checks -------------------------------------------------------- */

struct target {
    rstype_t type;
    pid_t pid;                /* the process (R_THREAD: the thread's) */
    pid_t tid;                /* R_THREAD */
    int self;                 /* pid is this process */
};

/* rstype/rsid -> target. EINVAL for other types; ESRCH; EPERM when the
 * caller is not root and its effective uid is not the target's. */
static int resolve(rstype_t type, rsid_t id, struct target *tg)
{
    memset(tg, 0, sizeof *tg);
    tg->type = type;
    pid_t tgid;
    uid_t ruid, euid;
    if (type == R_PROCESS) {
        pid_t pid = id.at_pid == RS_MYSELF ? getpid() : id.at_pid;
        if (pid <= 0 || task_status(pid, &tgid, &ruid, &euid) || tgid != pid)
            return -ESRCH;
        tg->pid = pid;
    } else if (type == R_THREAD) {
        if (id.at_tid != RS_MYSELF && (id.at_tid <= 0 || id.at_tid > INT_MAX))
            return -ESRCH;
        pid_t tid = id.at_tid == RS_MYSELF ? gettid() : (pid_t)id.at_tid;
        if (task_status(tid, &tgid, &ruid, &euid))
            return -ESRCH;
        tg->tid = tid;
        tg->pid = tgid;
    } else {
        return -EINVAL;
    }
    tg->self = tg->pid == getpid();
    uid_t me = geteuid();
    if (me != 0 && me != euid)
        return -EPERM;
    return 0;
}

/* The partition CPUs/nodes of the target's process. */
static int partition_of(const rashm_topo_t *t, pid_t pid, rashm_cpuset_t *c, rashm_nodeset_t *n)
{
    return rashm_topo_partition_pid(t, pid, c, n) ? -errno : 0;
}

/* ST rset (R_ATTACH_STRSET): one hardware thread per core whose hardware
 * threads are all in the rset; cores only partly in it are left out. */
static void st_rset(const rashm_topo_t *t, rashm_cpuset_t *cpus)
{
    int sdl = rashm_topo_sdl_of(t, RASHM_SDL_CORE);
    if (sdl < 0)
        return;
    rashm_cpuset_t out;
    rashm_cpuset_zero(&out);
    for (int i = 0; i < rashm_topo_nrads(t, sdl); i++) {
        rashm_cpuset_t core;
        rashm_topo_rad(t, sdl, i, &core, NULL);
        if (!rashm_cpuset_isempty(&core) && rashm_cpuset_issubset(&core, cpus))
            rashm_cpuset_set(&out, rashm_cpuset_next(&core, -1));
    }
    *cpus = out;
}

/* ---- applying masks ----------------------------------------------------- */

struct mask_job {
    rashm_cpuset_t cpus;
    int skip_own_rset;        /* leave threads with their own rset alone */
};

static int mask_one(pid_t tid, void *arg)
{
    struct mask_job *j = arg;
    if (j->skip_own_rset) {
        struct thread_rec *r = rec_find(tid);
        if (r && r->kind == TH_RSET)
            return 0;
    }
    return set_mask(tid, &j->cpus);
}

/* ---- ra_attachrset and friends ------------------------------------------- */

/* The attachment (CPUs) a thread of another process has, derived from its
 * mask: a mask equal to the partition is no attachment. */
static int derived_attached(const rashm_topo_t *t, pid_t tid, pid_t pid, rashm_cpuset_t *cpus)
{
    rashm_cpuset_t m, pc, all;
    rashm_nodeset_t pn;
    int rc = get_mask(tid, &m);
    if (!rc)
        rc = partition_of(t, pid, &pc, &pn);
    if (rc)
        return rc;
    rashm_topo_all_cpus(t, &all);
    rashm_cpuset_and(&m, &m, &all);
    if (rashm_cpuset_issubset(&pc, &m))
        return 0;
    *cpus = m;
    return 1;
}

/* Attach (caller holds att_lock). r: the rset's CPUs already reduced to
 * the available ones (and to the ST rset). */
static int attach_locked(const rashm_topo_t *t, const struct target *tg, const rashm_cpuset_t *cpus,
                         uint_t policy)
{
    rashm_cpuset_t pc;
    rashm_nodeset_t pn;
    int rc = partition_of(t, tg->pid, &pc, &pn);
    if (rc)
        return rc;
    if (!rashm_cpuset_issubset(cpus, &pc))
        return -EPERM;
    if (tg->self) {
        recs_check_pid();
        for (int i = 0; i < nthreads; i++) {
            if (threads[i].kind == TH_BOUND && (tg->type == R_PROCESS || threads[i].tid == tg->tid))
                return -EPERM;   /* a bindprocessor binding is in the way */
            if (tg->type == R_PROCESS && threads[i].kind == TH_RSET && !rashm_cpuset_issubset(&threads[i].r.cpus, cpus))
                return -EPERM;   /* must contain every thread's rset */
        }
        if (tg->type == R_THREAD && proc_attached && !rashm_cpuset_issubset(cpus, &proc_rset.cpus))
            return -EPERM;       /* must lie inside the process's rset */
    } else if (tg->type == R_THREAD) {
        rashm_cpuset_t pa;
        rc = derived_attached(t, tg->pid, tg->pid, &pa);
        if (rc < 0)
            return rc;
        if (rc == 1 && !rashm_cpuset_issubset(cpus, &pa))
            return -EPERM;
    }
    if (tg->type == R_PROCESS) {
        struct mask_job j = {.cpus = *cpus, .skip_own_rset = tg->self};
        rc = for_each_thread(tg->pid, mask_one, &j);
    } else {
        rc = set_mask(tg->tid, cpus);
    }
    if (rc)
        return rc == -EINVAL ? -EPERM : rc;
    if (tg->self) {
        struct rset r;
        memset(&r, 0, sizeof r);
        r.magic = RSET_MAGIC;
        r.cpus = *cpus;
        rashm_topo_cpus_to_nodes(t, cpus, &r.mems);
        if (tg->type == R_PROCESS) {
            proc_attached = 1;
            proc_rset = r;
        } else {
            struct thread_rec *tr = rec_get(tg->tid);
            if (tr) {
                tr->kind = TH_RSET;
                tr->r = r;
            }
        }
        struct thread_rec *mine = rec_find(gettid());
        int mine_own = mine && mine->kind == TH_RSET && tg->type == R_PROCESS;
        if (!mine_own && (tg->type == R_PROCESS || tg->tid == gettid()))
            (void)set_thread_policy(t, cpus, policy);
    }
    return 0;
}

/* Checks and reductions shared by ra_attachrset and ra_attach: the rset's
 * available CPUs (EINVAL when none). */
static int usable_cpus(const rashm_topo_t *t, const struct rset *r, uint_t flags, rashm_cpuset_t *out)
{
    struct rset sys;
    memset(&sys, 0, sizeof sys);
    int rc = rset_fill(&sys, RS_SYSTEM);
    if (rc)
        return rc;
    *out = r->cpus;
    rashm_cpuset_and(out, out, &sys.cpus);
    if (flags & R_ATTACH_STRSET)
        st_rset(t, out);
    return rashm_cpuset_isempty(out) ? -EINVAL : 0;
}

int aix_attach_work(rstype_t type, rsid_t id, const struct rset *r, uint_t flags)
{
    const rashm_topo_t *t;
    rashm_cpuset_t cpus;
    struct target tg;
    int rc;
    if ((rc = aix_topo(&t)) || (rc = usable_cpus(t, r, flags, &cpus)) || (rc = resolve(type, id, &tg)))
        return rc;
    pthread_mutex_lock(&att_lock);
    rc = attach_locked(t, &tg, &cpus, flags & R_MEMP_MASK);
    pthread_mutex_unlock(&att_lock);
    return rc;
}

int ra_attachrset(rstype_t rstype, rsid_t rsid, rsethandle_t rset, uint_t flags)
{
    if (rstype != R_PROCESS && rstype != R_THREAD)
        return rashm_fail(-EINVAL);
    if (flags & ~(uint_t)R_ATTACH_STRSET)
        return rashm_fail(-EINVAL);
    struct rset *r = rset_of(rset);
    if (!r)
        return rashm_fail(-EINVAL);
    int rc = aix_attach_work(rstype, rsid, r, flags);
    return rc ? rashm_fail(rc) : 0;
}

int aix_detach_work(rstype_t type, rsid_t id, uint_t flags)
{
    if (type != R_PROCESS && type != R_THREAD)
        return -EINVAL;
    if (flags & ~(uint_t)(type == R_PROCESS ? R_DETACH_ALLTHRDS : 0))
        return -EINVAL;
    const rashm_topo_t *t;
    struct target tg;
    int rc;
    if ((rc = aix_topo(&t)) || (rc = resolve(type, id, &tg)))
        return rc;
    rashm_cpuset_t pc;
    rashm_nodeset_t pn;
    if ((rc = partition_of(t, tg.pid, &pc, &pn)))
        return rc;
    pthread_mutex_lock(&att_lock);
    if (tg.self)
        recs_check_pid();
    if (type == R_PROCESS) {
        int all = (flags & R_DETACH_ALLTHRDS) != 0;
        struct mask_job j = {.cpus = pc, .skip_own_rset = tg.self && !all};
        rc = for_each_thread(tg.pid, mask_one, &j);
        if (!rc && tg.self) {
            proc_attached = 0;
            struct thread_rec *mine = rec_find(gettid());
            if (all)
                for (int i = nthreads - 1; i >= 0; i--)
                    if (threads[i].kind == TH_RSET)
                        rec_drop(threads[i].tid);
            if (all || !mine || mine->kind != TH_RSET)
                clear_thread_policy();
        }
    } else {
        rashm_cpuset_t to = pc;
        if (tg.self && proc_attached)
            to = proc_rset.cpus;
        rc = set_mask(tg.tid, &to);
        if (!rc && tg.self) {
            struct thread_rec *r = rec_find(tg.tid);
            if (r && r->kind == TH_RSET)
                rec_drop(tg.tid);
            if (tg.tid == gettid()) {
                if (proc_attached)
                    (void)set_thread_policy(t, &proc_rset.cpus, P_DEFAULT);
                else
                    clear_thread_policy();
            }
        }
    }
    pthread_mutex_unlock(&att_lock);
    return rc;
}

int ra_detachrset(rstype_t rstype, rsid_t rsid, uint_t flags)
{
    int rc = aix_detach_work(rstype, rsid, flags);
    return rc ? rashm_fail(rc) : 0;
}

int ra_getrset(rstype_t rstype, rsid_t rsid, uint_t flags, rsethandle_t rset)
{
    if (rstype != R_PROCESS && rstype != R_THREAD)
        return rashm_fail(-EINVAL);
    struct rset *out = rset_of(rset);
    if (flags || !out)
        return rashm_fail(-EINVAL);
    const rashm_topo_t *t;
    struct target tg;
    int rc = aix_topo(&t);
    if (!rc) {
        rc = resolve(rstype, rsid, &tg);
        if (rc == -EPERM)
            rc = 0;   /* reading is allowed to anybody */
    }
    if (rc)
        return rashm_fail(rc);
    rashm_cpuset_t pc;
    rashm_nodeset_t pn;
    if ((rc = partition_of(t, tg.pid, &pc, &pn)))
        return rashm_fail(rc);
    struct rset res;
    memset(&res, 0, sizeof res);
    res.magic = RSET_MAGIC;
    int type = -1;
    if (tg.self) {
        pthread_mutex_lock(&att_lock);
        recs_check_pid();
        struct thread_rec *r = rstype == R_THREAD ? rec_find(tg.tid) : NULL;
        if (r && r->kind == TH_RSET) {
            res.cpus = r->r.cpus;
            type = RS_THREAD_RSET;
        } else if (proc_attached) {
            res.cpus = proc_rset.cpus;
            type = RS_EFFECTIVE_RSET;
        }
        pthread_mutex_unlock(&att_lock);
    } else {
        rashm_cpuset_t m;
        if (rstype == R_THREAD) {
            rc = derived_attached(t, tg.tid, tg.pid, &m);
            rashm_cpuset_t pm;
            int prc = rc >= 0 ? derived_attached(t, tg.pid, tg.pid, &pm) : 0;
            if (rc == 1 && (prc != 1 || !rashm_cpuset_equal(&m, &pm))) {
                res.cpus = m;
                type = RS_THREAD_RSET;
            } else if (prc == 1) {
                res.cpus = pm;
                type = RS_EFFECTIVE_RSET;
            }
            if (prc < 0)
                rc = prc;
        } else {
            rc = derived_attached(t, tg.pid, tg.pid, &m);
            if (rc == 1) {
                res.cpus = m;
                type = RS_EFFECTIVE_RSET;
            }
        }
        if (rc < 0)
            return rashm_fail(rc);
    }
    if (type < 0) {
        res.cpus = pc;
        res.mems = pn;
        rashm_cpuset_t all;
        rashm_nodeset_t alln;
        rashm_topo_all_cpus(t, &all);
        rashm_topo_all_nodes(t, &alln);
        type = rashm_cpuset_equal(&all, &pc) && rashm_nodeset_equal(&alln, &pn) ? RS_DEFAULT_RSET : RS_PARTITION_RSET;
    } else {
        /* the attachment's memory: the nodes of its CPUs the partition has */
        rashm_topo_cpus_to_nodes(t, &res.cpus, &res.mems);
        rashm_nodeset_and(&res.mems, &res.mems, &pn);
    }
    *out = res;
    return type;
}

/* ---- bindprocessor -------------------------------------------------------- */

struct bind_job {
    rashm_cpuset_t cpus;
    int cpu;                  /* -1: unbind */
    int self;
};

static int bind_one(pid_t tid, void *arg)
{
    struct bind_job *j = arg;
    int rc = set_mask(tid, &j->cpus);
    if (!rc && j->self) {
        if (j->cpu < 0) {
            rec_drop(tid);
        } else {
            struct thread_rec *r = rec_get(tid);
            if (r) {
                r->kind = TH_BOUND;
                r->cpu = j->cpu;
            }
        }
    }
    return rc;
}

int bindprocessor(int what, int who, cpu_t where)
{
    if (what != BINDPROCESS && what != BINDTHREAD)
        return rashm_fail(-EINVAL);
    const rashm_topo_t *t;
    int rc = aix_topo(&t);
    if (rc)
        return rashm_fail(rc);
    struct rset sys;
    memset(&sys, 0, sizeof sys);
    if ((rc = rset_fill(&sys, RS_SYSTEM)))
        return rashm_fail(rc);
    /* a bind CPU id is a Linux CPU number here, one the system has online */
    if (where != PROCESSOR_CLASS_ANY && (where < 0 || !rashm_cpuset_isset(&sys.cpus, where)))
        return rashm_fail(-EINVAL);
    pid_t tgid;
    uid_t ruid, euid;
    if (who <= 0 || task_status(who, &tgid, &ruid, &euid) || (what == BINDPROCESS && tgid != who))
        return rashm_fail(-ESRCH);
    uid_t me = geteuid();
    if (me != 0 && ruid != getuid() && euid != me && ruid != me && euid != getuid())
        return rashm_fail(-EPERM);
    struct bind_job j = {.cpu = where == PROCESSOR_CLASS_ANY ? -1 : where, .self = tgid == getpid()};
    if (j.cpu < 0) {
        rashm_nodeset_t pn;
        if ((rc = partition_of(t, tgid, &j.cpus, &pn)))
            return rashm_fail(rc);
    } else {
        rashm_cpuset_zero(&j.cpus);
        rashm_cpuset_set(&j.cpus, where);
    }
    pthread_mutex_lock(&att_lock);
    if (j.self) {
        recs_check_pid();
        /* AIX refuses to bind a thread that has a resource attachment */
        if (j.cpu >= 0) {
            struct thread_rec *r = what == BINDTHREAD ? rec_find(who) : NULL;
            if (proc_attached || (r && r->kind == TH_RSET))
                rc = -EPERM;
            for (int i = 0; !rc && what == BINDPROCESS && i < nthreads; i++)
                if (threads[i].kind == TH_RSET)
                    rc = -EPERM;
        } else if (proc_attached) {
            j.cpus = proc_rset.cpus;
        }
    }
    if (!rc)
        rc = what == BINDPROCESS ? for_each_thread(who, bind_one, &j) : bind_one(who, &j);
    pthread_mutex_unlock(&att_lock);
    return rc ? rashm_fail(rc == -EINVAL ? -EINVAL : rc) : 0;
}

cpu_t mycpu(void)
{
    int c = sched_getcpu();
    return c < 0 ? PROCESSOR_CLASS_ANY : (cpu_t)c;
}

tid_t thread_self(void)
{
    return (tid_t)gettid();
}

/* The CPU a thread is bound to with bindprocessor (getthrds64's ti_cpuid),
 * or PROCESSOR_CLASS_ANY. */
int aix_bound_cpu(pid_t pid, pid_t tid)
{
    int cpu = PROCESSOR_CLASS_ANY;
    if (pid == getpid()) {
        pthread_mutex_lock(&att_lock);
        recs_check_pid();
        struct thread_rec *r = rec_find(tid);
        if (r && r->kind == TH_BOUND)
            cpu = r->cpu;
        pthread_mutex_unlock(&att_lock);
        return cpu;
    }
    rashm_cpuset_t m;
    if (get_mask(tid, &m) == 0 && rashm_cpuset_count(&m) == 1)
        cpu = rashm_cpuset_next(&m, -1);
    return cpu;
}
