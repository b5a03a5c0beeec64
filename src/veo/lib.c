/* Libraries and symbols of a VE process (control requests to the helper). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "veo_internal.h"

int veo_i_load_library(struct veo_proc_handle *h, const char *libname, uint64_t *handle)
{
    struct rve_msg m;
    struct rve_reply rep;
    if (!h || !libname || strlen(libname) >= sizeof m.str)
        return -EINVAL;
    memset(&m, 0, sizeof m);
    m.op = RVE_OP_LOAD;
    snprintf(m.str, sizeof m.str, "%s", libname);
    int rc = veo_i_control(h, &m, &rep);
    if (rc < 0) {
        if (rep.err[0] && rc != -ESRCH && rcom_env_flag(RCOM_ENV_VE_DEBUG))
            fprintf(stderr, "veo_load_library: %s\n", rep.err);
        return rc;
    }
    *handle = rep.val;
    return 0;
}

int veo_i_get_sym(struct veo_proc_handle *h, uint64_t libhdl, const char *symname, uint64_t *addr)
{
    struct rve_msg m;
    struct rve_reply rep;
    if (!h || !symname)
        return -EINVAL;
    if (strlen(symname) > VEO_SYMNAME_LEN_MAX)
        return -ENAMETOOLONG;
    memset(&m, 0, sizeof m);
    m.op = RVE_OP_SYM;
    m.a = libhdl;
    snprintf(m.str, sizeof m.str, "%s", symname);
    int rc = veo_i_control(h, &m, &rep);
    if (rc < 0)
        return rc;
    *addr = rep.val;
    return 0;
}

/* ---- the symbol cache ------------------------------------------------
 * AVEO remembers every symbol it found, per process and (library handle,
 * name), and answers a later veo_get_sym (and the lookup inside
 * veo_call_async_by_name) from there without a request; unloading a
 * library forgets its symbols. The cache is kept for that reason (the
 * request ids a client sees depend on it), and spares the control round
 * trip too. A symbol not found is not remembered. */
#define SYM_BUCKETS 256
struct sym_ent {
    struct sym_ent *next;
    uint64_t lib, addr;
    char name[];
};
struct veo_symcache {
    pthread_mutex_t lock;
    struct sym_ent *b[SYM_BUCKETS];
};

static size_t sym_hash(uint64_t lib, const char *name)
{
    uint64_t x = 1469598103934665603ull ^ lib;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        x = (x ^ *p) * 1099511628211ull;
    return (size_t)(x ^ (x >> 29)) % SYM_BUCKETS;
}

static struct veo_symcache *sym_cache(struct veo_proc_handle *h)
{
    struct veo_symcache *sc = atomic_load_explicit(&h->syms, memory_order_acquire);
    if (sc)
        return sc;
    struct veo_symcache *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    pthread_mutex_init(&n->lock, NULL);
    if (atomic_compare_exchange_strong(&h->syms, &sc, n))
        return n;
    pthread_mutex_destroy(&n->lock); /* another thread made it first */
    free(n);
    return sc;
}

static int sym_find(struct veo_symcache *sc, uint64_t lib, const char *name, uint64_t *addr)
{
    int found = 0;
    pthread_mutex_lock(&sc->lock);
    for (struct sym_ent *e = sc->b[sym_hash(lib, name)]; e; e = e->next)
        if (e->lib == lib && strcmp(e->name, name) == 0) {
            *addr = e->addr;
            found = 1;
            break;
        }
    pthread_mutex_unlock(&sc->lock);
    return found;
}

static void sym_add(struct veo_symcache *sc, uint64_t lib, const char *name, uint64_t addr)
{
    size_t len = strlen(name) + 1;
    struct sym_ent *e = malloc(sizeof *e + len);
    if (!e)
        return; /* only a cache */
    e->lib = lib;
    e->addr = addr;
    memcpy(e->name, name, len);
    size_t k = sym_hash(lib, name);
    pthread_mutex_lock(&sc->lock);
    /* two threads may have looked the same symbol up at once */
    bool dup = false;
    for (struct sym_ent *x = sc->b[k]; x && !dup; x = x->next)
        dup = x->lib == lib && strcmp(x->name, name) == 0;
    if (!dup) {
        e->next = sc->b[k];
        sc->b[k] = e;
        e = NULL;
    }
    pthread_mutex_unlock(&sc->lock);
    free(e);
}

static void sym_forget_lib(struct veo_symcache *sc, uint64_t lib)
{
    pthread_mutex_lock(&sc->lock);
    for (size_t k = 0; k < SYM_BUCKETS; k++)
        for (struct sym_ent **pp = &sc->b[k]; *pp;) {
            if ((*pp)->lib == lib) {
                struct sym_ent *e = *pp;
                *pp = e->next;
                free(e);
            } else {
                pp = &(*pp)->next;
            }
        }
    pthread_mutex_unlock(&sc->lock);
}

void veo_i_sym_cache_free(struct veo_proc_handle *h)
{
    struct veo_symcache *sc = atomic_load(&h->syms);
    if (!sc)
        return;
    for (size_t k = 0; k < SYM_BUCKETS; k++)
        while (sc->b[k]) {
            struct sym_ent *e = sc->b[k];
            sc->b[k] = e->next;
            free(e);
        }
    pthread_mutex_destroy(&sc->lock);
    free(sc);
    atomic_store(&h->syms, NULL);
}

/* ---- the public calls ----------------------------------------------------
 * Each is, in AVEO, a request of the process's main context whose reply
 * VE code can read back (veo_prev_req_result): here the work is a control
 * request (or none) and the main context only counts it (veo_i_implicit), with
 * AVEO's entry: the library handle, the symbol address, dlclose's result,
 * 0 where the VE side found nothing. Arguments refused before AVEO would
 * send anything (a name too long), or a process that is gone, count
 * nothing. */

int veo_i_get_sym_cached(struct veo_proc_handle *h, uint64_t libhdl, const char *symname,
                         uint64_t *addr)
{
    if (!h || !symname)
        return -EINVAL;
    if (strlen(symname) > VEO_SYMNAME_LEN_MAX)
        return -ENAMETOOLONG;
    struct veo_symcache *sc = sym_cache(h);
    if (sc && sym_find(sc, libhdl, symname, addr))
        return 0;
    int rc = veo_i_get_sym(h, libhdl, symname, addr);
    if (rc == -ESRCH || rc == -EINVAL)
        return rc;
    veo_i_implicit(h->ctx[0], 1, RVE_HIST_VALUE, rc < 0 ? 0 : *addr, 0);
    if (rc == 0 && *addr && sc)
        sym_add(sc, libhdl, symname, *addr);
    return rc;
}

VEO_API uint64_t veo_load_library(struct veo_proc_handle *h, const char *libname)
{
    uint64_t handle = 0;
    int rc = veo_i_load_library(h, libname, &handle);
    if (rc != -ESRCH && rc != -EINVAL)
        veo_i_implicit(h->ctx[0], 1, RVE_HIST_VALUE, rc < 0 ? 0 : handle, 0);
    if (rc < 0) {
        errno = -rc;
        return 0;
    }
    return handle;
}

VEO_API int veo_unload_library(struct veo_proc_handle *h, const uint64_t libhdl)
{
    struct rve_msg m;
    struct rve_reply rep;
    if (!h || !libhdl)
        return -1;
    struct veo_symcache *sc = atomic_load_explicit(&h->syms, memory_order_acquire);
    if (sc)
        sym_forget_lib(sc, libhdl);
    memset(&m, 0, sizeof m);
    m.op = RVE_OP_UNLOAD;
    m.a = libhdl;
    int rc = veo_i_control(h, &m, &rep);
    /* AVEO's entry is dlclose's result: 0, or -1 */
    if (rc != -ESRCH)
        veo_i_implicit(h->ctx[0], 1, RVE_HIST_VALUE, rc < 0 ? (uint64_t)-1 : 0, 0);
    return rc < 0 ? -1 : 0;
}

VEO_API uint64_t veo_get_sym(struct veo_proc_handle *h, uint64_t libhdl, const char *symname)
{
    uint64_t addr = 0;
    int rc = veo_i_get_sym_cached(h, libhdl, symname, &addr);
    if (rc < 0) {
        errno = -rc;
        return 0;
    }
    return addr;
}
