/* The registries under the VEO calls: AVEO's hooks (keyed by the address
 * of the API function they follow; a client passes e.g.
 * (void *)veo_alloc_mem, and inside this PIC library such an address is
 * taken through the GOT, so it is the one the client sees), the
 * recursive submission lock of a context (request blocks), and the set of
 * live contexts that lets veo_context_close recognise a context whose
 * process was destroyed already (language bindings finalize in any order). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "veo_internal.h"

/* ---- hooks ------------------------------------------------------------- */
struct hook_ent {
    void *func;
    veo_hook_fn *hook;
    void *payload;
};

/* Only a handful of functions accept hooks; registering any other address
 * is allowed (AVEO keeps them all) but never called. */
#define MAX_HOOKS 64
static pthread_mutex_t hook_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hook_ent hooks[MAX_HOOKS];
static int nhooks;

static int hook_index(void *func)
{
    for (int i = 0; i < nhooks; i++)
        if (hooks[i].func == func)
            return i;
    return -1;
}

VEO_API void veo_register_hook(void *func, void (*hook)(void *, ...), void *payload)
{
    pthread_mutex_lock(&hook_lock);
    int i = hook_index(func);
    if (i < 0 && nhooks < MAX_HOOKS)
        i = nhooks++;
    if (i >= 0)
        hooks[i] = (struct hook_ent){func, hook, payload};
    pthread_mutex_unlock(&hook_lock);
}

VEO_API void *veo_get_hook(void *func)
{
    pthread_mutex_lock(&hook_lock);
    int i = hook_index(func);
    void *r = i >= 0 ? (void *)hooks[i].hook : NULL;
    pthread_mutex_unlock(&hook_lock);
    return r;
}

VEO_API void veo_unregister_hook(void *func)
{
    pthread_mutex_lock(&hook_lock);
    int i = hook_index(func);
    if (i >= 0)
        hooks[i] = hooks[--nhooks];
    pthread_mutex_unlock(&hook_lock);
}

int veo_i_hook(void *func, veo_hook_fn **hook, void **payload)
{
    pthread_mutex_lock(&hook_lock);
    int i = hook_index(func);
    if (i >= 0) {
        *hook = hooks[i].hook;
        *payload = hooks[i].payload;
    }
    pthread_mutex_unlock(&hook_lock);
    return i >= 0 && *hook;
}

int veo_i_submit_lock_init(struct veo_thr_ctxt *c)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    int rc = pthread_mutex_init(&c->submit, &a);
    pthread_mutexattr_destroy(&a);
    return -rc;
}

/* A block counts itself only while it holds the lock: a single submission
 * that saw no block (under c->lock) came before the block's first request;
 * one that sees it waits for the lock (veo_i_submit_begin). */
void veo_i_block_begin(struct veo_thr_ctxt *c)
{
    pthread_mutex_lock(&c->submit);
    atomic_fetch_add(&c->blocks, 1);
}

void veo_i_block_end(struct veo_thr_ctxt *c)
{
    atomic_fetch_sub(&c->blocks, 1);
    pthread_mutex_unlock(&c->submit);
}

/* ---- live contexts ----------------------------------------------------- */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct veo_thr_ctxt **live;
static size_t nlive, caplive;

int veo_i_ctx_live_add(struct veo_thr_ctxt *c)
{
    int rc = 0;
    pthread_mutex_lock(&live_lock);
    if (nlive == caplive) {
        size_t n = caplive ? caplive * 2 : 16;
        struct veo_thr_ctxt **p = realloc(live, n * sizeof *p);
        if (!p)
            rc = -ENOMEM;
        else {
            live = p;
            caplive = n;
        }
    }
    if (!rc)
        live[nlive++] = c;
    pthread_mutex_unlock(&live_lock);
    return rc;
}

void veo_i_ctx_live_del(struct veo_thr_ctxt *c)
{
    pthread_mutex_lock(&live_lock);
    for (size_t i = 0; i < nlive; i++)
        if (live[i] == c) {
            live[i] = live[--nlive];
            break;
        }
    if (!nlive) {
        free(live);
        live = NULL;
        caplive = 0;
    }
    pthread_mutex_unlock(&live_lock);
}

bool veo_i_ctx_is_live(struct veo_thr_ctxt *c)
{
    bool r = false;
    pthread_mutex_lock(&live_lock);
    for (size_t i = 0; i < nlive && !r; i++)
        r = live[i] == c;
    pthread_mutex_unlock(&live_lock);
    return r;
}
