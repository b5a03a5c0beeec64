/* AVEO's extension points above the registries of hookreg.c: the hmem
 * hook pair, hooked asynchronous allocations, request blocks (one
 * thread's requests kept together on a context) and the VE architecture
 * query. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "veo_internal.h"

/* ---- hmem hooks: the four memory hooks translated to hmem addresses ---- */
static void (*hmem_alloc_cb)(void *, size_t);
static void (*hmem_free_cb)(uint64_t);

static void hmem_after_alloc(void *unused, ...)
{
    va_list ap;
    va_start(ap, unused);
    struct veo_proc_handle *h = va_arg(ap, struct veo_proc_handle *);
    uint64_t *addr = va_arg(ap, uint64_t *);
    size_t size = va_arg(ap, size_t);
    va_end(ap);
    if (hmem_alloc_cb)
        hmem_alloc_cb(veo_set_proc_identifier((void *)(uintptr_t)*addr, veo_proc_identifier(h)),
                      size);
}

static void hmem_after_free(void *unused, ...)
{
    va_list ap;
    va_start(ap, unused);
    struct veo_proc_handle *h = va_arg(ap, struct veo_proc_handle *);
    uint64_t addr = va_arg(ap, uint64_t);
    va_end(ap);
    if (hmem_free_cb)
        hmem_free_cb((uint64_t)(uintptr_t)veo_set_proc_identifier((void *)(uintptr_t)addr,
                                                                   veo_proc_identifier(h)));
}

static void hmem_after_alloc_async(void *unused, ...)
{
    va_list ap;
    va_start(ap, unused);
    struct veo_thr_ctxt *c = va_arg(ap, struct veo_thr_ctxt *);
    uint64_t addr = va_arg(ap, uint64_t);
    size_t size = va_arg(ap, size_t);
    va_end(ap);
    if (hmem_alloc_cb)
        hmem_alloc_cb(veo_set_proc_identifier((void *)(uintptr_t)addr, c->proc->ident), size);
}

static void hmem_after_free_async(void *unused, ...)
{
    va_list ap;
    va_start(ap, unused);
    struct veo_thr_ctxt *c = va_arg(ap, struct veo_thr_ctxt *);
    uint64_t addr = va_arg(ap, uint64_t);
    va_end(ap);
    if (hmem_free_cb)
        hmem_free_cb((uint64_t)(uintptr_t)veo_set_proc_identifier((void *)(uintptr_t)addr,
                                                                   c->proc->ident));
}

VEO_API void veo_register_hmem_hook_functions(void (*alloc)(void *, size_t),
                                              void (*free_fn)(uint64_t))
{
    hmem_alloc_cb = alloc;
    hmem_free_cb = free_fn;
    veo_register_hook((void *)veo_alloc_mem, hmem_after_alloc, NULL);
    veo_register_hook((void *)veo_free_mem, hmem_after_free, NULL);
    veo_register_hook((void *)veo_alloc_mem_async, hmem_after_alloc_async, NULL);
    veo_register_hook((void *)veo_free_mem_async, hmem_after_free_async, NULL);
}

VEO_API void veo_unregister_hmem_hook_functions(void)
{
    veo_unregister_hook((void *)veo_alloc_mem);
    veo_unregister_hook((void *)veo_free_mem);
    veo_unregister_hook((void *)veo_alloc_mem_async);
    veo_unregister_hook((void *)veo_free_mem_async);
}

/* ---- request blocks ---------------------------------------------------- */
/* A request block holds the context's submission lock (recursive) from
 * begin to end: requests of other threads wait, so the block's requests get
 * consecutive ids and reach the VE together. */
VEO_API void veo_req_block_begin(struct veo_thr_ctxt *c)
{
    if (c) {
        veo_i_block_begin(c);
        veo_i_fold_pending(c); /* what this thread did before goes first */
    }
}

VEO_API void veo_req_block_end(struct veo_thr_ctxt *c)
{
    if (c)
        veo_i_block_end(c);
}

/* ---- VE architecture --------------------------------------------------- */
/* AVEO reads the card's class (1 for VE1, 3 for VE3) and answers 0 for a
 * node that does not exist. The software VE is documented as a VE3
 * (docs/veo.md). */
VEO_API int veo_get_ve_arch(int venode)
{
    struct ve_config cfg;
    int rc = veo_i_config(&venode, &cfg);
    if (rc < 0 || venode < 0 || venode >= cfg.nodes)
        return 0;
    return 3;
}

