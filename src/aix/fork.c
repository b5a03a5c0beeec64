/* ra_fork and the ra_exec family: fork / exec with the new process (or the
 * calling one, for exec) attached to a resource, as ra_attach(R_PROCESS)
 * would attach it. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aix.h"

/* The checks ra_fork and ra_exec* make before anything happens, in IBM's
 * order: EINVAL (rstype other than R_RSET, flags != 0), EFAULT (not an
 * rset handle), ENODEV (no available processor in the rset), EPERM (the
 * rset is not inside this process's partition). */
static int check_exec_rset(rstype_t rstype, rsid_t rsid, uint_t flags, struct rset *out)
{
    if (rstype != R_RSET || flags != 0)
        return -EINVAL;
    struct rset *r = rset_of(rsid.at_rset);
    if (!r)
        return -EFAULT;
    struct rset sys, part;
    int rc = rset_fill(&sys, RS_SYSTEM);
    if (!rc)
        rc = rset_fill(&part, RS_PARTITION);
    if (rc)
        return rc;
    *out = *r;
    rashm_cpuset_and(&out->cpus, &out->cpus, &sys.cpus);
    if (rashm_cpuset_isempty(&out->cpus))
        return -ENODEV;
    return rashm_cpuset_issubset(&out->cpus, &part.cpus) ? 0 : -EPERM;
}

pid_t ra_fork(rstype_t rstype, rsid_t rsid, uint_t flags)
{
    struct rset r;
    /* every check that can fail is made before forking, so a failure is
     * reported to the caller instead of being lost in the child (whose
     * partition is this process's cpuset) */
    int rc = check_exec_rset(rstype, rsid, flags, &r);
    if (rc)
        return rashm_fail(rc);
    rsid_t me = {.at_pid = RS_MYSELF};
    pid_t pid = fork();
    if (pid != 0)
        return pid;   /* the parent, or -1 with fork's errno */
    /* advisory, like every AIX attachment: a child that cannot be attached
     * (its cpuset changed in between) runs unattached */
    (void)aix_attach_work(R_PROCESS, me, &r, 0);
    return 0;
}

/* Attaches this process for an exec; *undo tells how to go back when the
 * exec fails. */
struct exec_undo {
    int had;                  /* this process had an attachment */
    rsethandle_t prev;
};

static int exec_attach(rstype_t rstype, rsid_t rsid, uint_t flags, struct exec_undo *u)
{
    struct rset r;
    rsid_t me = {.at_pid = RS_MYSELF};
    int rc = check_exec_rset(rstype, rsid, flags, &r);
    if (rc)
        return rc;
    u->prev = rs_alloc(RS_EMPTY);
    if (!u->prev)
        return -ENOMEM;
    u->had = ra_getrset(R_PROCESS, me, 0, u->prev) == RS_EFFECTIVE_RSET;
    rc = aix_attach_work(R_PROCESS, me, &r, 0);
    if (rc) {
        rs_free(u->prev);
        u->prev = NULL;
    }
    return rc;
}

static int exec_failed(struct exec_undo *u)
{
    int e = errno;
    rsid_t me = {.at_pid = RS_MYSELF};
    if (u->had)
        (void)aix_attach_work(R_PROCESS, me, rset_of(u->prev), 0);
    else
        (void)aix_detach_work(R_PROCESS, me, 0);
    rs_free(u->prev);
    errno = e;
    return -1;
}

int ra_execve(rstype_t rstype, rsid_t rsid, uint_t flags, const char *path, char *const argv[], char *const envp[])
{
    struct exec_undo u;
    int rc = exec_attach(rstype, rsid, flags, &u);
    if (rc)
        return rashm_fail(rc);
    execve(path, argv, envp);
    return exec_failed(&u);
}

int ra_execv(rstype_t rstype, rsid_t rsid, uint_t flags, const char *path, char *const argv[])
{
    return ra_execve(rstype, rsid, flags, path, argv, environ);
}

int ra_execvp(rstype_t rstype, rsid_t rsid, uint_t flags, const char *file, char *const argv[])
{
    struct exec_undo u;
    int rc = exec_attach(rstype, rsid, flags, &u);
    if (rc)
        return rashm_fail(rc);
    execvp(file, argv);
    return exec_failed(&u);
}

int ra_exect(rstype_t rstype, rsid_t rsid, uint_t flags, char *path, char *argv[], char *envp[])
{
    /* AIX's exect is execve with tracing enabled; there is no tracing here */
    return ra_execve(rstype, rsid, flags, path, argv, envp);
}

/* The arguments of an execl-style call after the first one, up to the
 * terminating null pointer, as a malloc'ed vector; *envp receives the
 * pointer that follows it when want_env. */
static char **collect(const char *arg0, va_list ap, int want_env, char *const **envp)
{
    size_t n = 1, cap = 16;
    char **v = malloc(cap * sizeof *v);
    if (!v)
        return NULL;
    v[0] = (char *)arg0;
    for (char *a = arg0 ? va_arg(ap, char *) : NULL;; a = va_arg(ap, char *)) {
        if (n + 1 >= cap) {
            char **q = realloc(v, cap * 2 * sizeof *v);
            if (!q) {
                free(v);
                return NULL;
            }
            v = q;
            cap *= 2;
        }
        v[n++] = a;
        if (!a)
            break;
    }
    if (!arg0)
        v[1] = NULL;
    if (want_env)
        *envp = va_arg(ap, char *const *);
    return v;
}

int ra_execl(rstype_t rstype, rsid_t rsid, uint_t flags, const char *path, ...)
{
    va_list ap;
    va_start(ap, path);
    const char *arg0 = va_arg(ap, const char *);
    char **v = collect(arg0, ap, 0, NULL);
    va_end(ap);
    if (!v)
        return rashm_fail(-ENOMEM);
    int rc = ra_execv(rstype, rsid, flags, path, v);
    int e = errno;
    free(v);
    errno = e;
    return rc;
}

int ra_execle(rstype_t rstype, rsid_t rsid, uint_t flags, const char *path, ...)
{
    va_list ap;
    va_start(ap, path);
    const char *arg0 = va_arg(ap, const char *);
    char *const *envp = NULL;
    char **v = collect(arg0, ap, 1, &envp);
    va_end(ap);
    if (!v)
        return rashm_fail(-ENOMEM);
    int rc = ra_execve(rstype, rsid, flags, path, v, envp);
    int e = errno;
    free(v);
    errno = e;
    return rc;
}

int ra_execlp(rstype_t rstype, rsid_t rsid, uint_t flags, const char *file, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    char **v = collect(arg0, ap, 0, NULL);
    va_end(ap);
    if (!v)
        return rashm_fail(-ENOMEM);
    int rc = ra_execvp(rstype, rsid, flags, file, v);
    int e = errno;
    free(v);
    errno = e;
    return rc;
}
