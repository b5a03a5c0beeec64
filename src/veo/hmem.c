/* hmem: VE memory named by a VH pointer, the same memory's second address
 * in the VE process (the address map and why: src/proto/rve_proto.h). The
 * identifier (0..15) is the window the pointer lies in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "veo_internal.h"

VEO_API int veo_is_ve_addr(const void *addr)
{
    return rve_hmem_is((uint64_t)(uintptr_t)addr);
}

/* AVEO strips the tag bits of any value; here only an hmem pointer changes,
 * anything else (a VH pointer, a plain VE address) is returned as it is. */
VEO_API void *veo_get_hmem_addr(void *addr)
{
    uint64_t a = (uint64_t)(uintptr_t)addr;
    return rve_hmem_is(a) ? (void *)(uintptr_t)rve_hmem_to_ve(a) : addr;
}

VEO_API int veo_get_proc_identifier_from_hmem(const void *addr)
{
    if (!veo_is_ve_addr(addr))
        return -1;
    return rve_hmem_ident((uint64_t)(uintptr_t)addr);
}

VEO_API int veo_get_max_proc_identifier(void)
{
    int max = -1;
    for (int i = 0; i < VEO_MAX_HMEM_PROCS; i++)
        if (veo_i_proc_by_ident(i))
            max = i;
    return max;
}

VEO_API void *veo_set_proc_identifier(void *addr, int ident)
{
    if (ident < 0 || ident >= VEO_MAX_HMEM_PROCS)
        return NULL;
    return (void *)(uintptr_t)rve_hmem_of((uint64_t)(uintptr_t)addr, ident);
}

VEO_API struct veo_proc_handle *veo_get_proc_handle_from_hmem(const void *addr)
{
    return veo_i_proc_by_ident(veo_get_proc_identifier_from_hmem(addr));
}

VEO_API pid_t veo_get_pid_from_hmem(const void *addr)
{
    struct veo_proc_handle *h = veo_get_proc_handle_from_hmem(addr);
    return h ? h->pid : -1;
}

VEO_API int veo_get_venum_from_hmem(const void *addr)
{
    struct veo_proc_handle *h = veo_get_proc_handle_from_hmem(addr);
    return h ? h->venode : -1;
}

VEO_API int veo_alloc_hmem(struct veo_proc_handle *h, void **addr, const size_t size)
{
    uint64_t ve;
    if (!addr) {
        errno = EINVAL;
        return -1;
    }
    /* AVEO: no process means VH memory, freed by veo_free_hmem too */
    if (!h) {
        *addr = malloc(size);
        return *addr ? 0 : -1;
    }
    /* through the public call, so that its hook runs first, as in AVEO */
    int rc = veo_alloc_mem(h, &ve, size);
    if (rc != 0)
        return rc;
    *addr = veo_set_proc_identifier((void *)(uintptr_t)ve, h->ident);
    veo_hook_fn *hook;
    void *payload;
    if (veo_i_hook((void *)veo_alloc_hmem, &hook, &payload))
        hook(payload, h, *addr, size);
    return 0;
}

VEO_API int veo_free_hmem(void *addr)
{
    if (!veo_is_ve_addr(addr)) {
        free(addr); /* VH memory of veo_alloc_hmem(NULL, ...) */
        return 0;
    }
    struct veo_proc_handle *h = veo_get_proc_handle_from_hmem(addr);
    if (!h) {
        errno = EINVAL;
        return -1;
    }
    int rc = veo_free_mem(h, (uint64_t)(uintptr_t)veo_get_hmem_addr(addr));
    veo_hook_fn *hook;
    void *payload;
    if (veo_i_hook((void *)veo_free_hmem, &hook, &payload))
        hook(payload, h, addr);
    return rc;
}

/* Copies between any two of: VH memory, hmem of one VE process, hmem of
 * another. VE to VE goes through a bounded VH buffer. */
VEO_API int veo_hmemcpy(void *dst, const void *src, size_t size)
{
    int dve = veo_is_ve_addr(dst), sve = veo_is_ve_addr(src);
    if (!size)
        return 0;
    if (!dst || !src)
        return -1;
    if (!dve && !sve) {
        memmove(dst, src, size);
        return 0;
    }
    struct veo_proc_handle *dh = dve ? veo_get_proc_handle_from_hmem(dst) : NULL;
    struct veo_proc_handle *sh = sve ? veo_get_proc_handle_from_hmem(src) : NULL;
    if ((dve && !dh) || (sve && !sh))
        return -1;
    uint64_t da = (uint64_t)(uintptr_t)veo_get_hmem_addr(dst);
    uint64_t sa = (uint64_t)(uintptr_t)veo_get_hmem_addr((void *)(uintptr_t)src);
    /* AVEO's requests: veo_write_mem/veo_read_mem, or one copy request of
     * the process's main context within one VE process (veo_i_note) */
    if (dve && !sve) {
        int wrc = veo_i_rw(dh, 1, (void *)(uintptr_t)src, da, size);
        if (wrc != -ESRCH)
            veo_i_note_copy(dh, 1, src, size);
        return wrc < 0 ? -1 : 0;
    }
    if (!dve && sve) {
        int rrc = veo_i_rw(sh, 0, dst, sa, size);
        if (rrc != -ESRCH)
            veo_i_note_copy(sh, 0, dst, size);
        return rrc < 0 ? -1 : 0;
    }
    if (dh == sh)
        veo_i_implicit(sh->ctx[0], 1, RVE_HIST_EMPTY, 0, 0);
    size_t chunk = size < (4u << 20) ? size : (4u << 20);
    char *buf = malloc(chunk);
    if (!buf)
        return -1;
    int rc = 0;
    /* Overlapping ranges in one VE process: copy backwards when needed. */
    int back = dh == sh && da > sa && da < sa + size;
    for (size_t done = 0; done < size && rc == 0; done += chunk) {
        size_t n = size - done < chunk ? size - done : chunk;
        size_t off = back ? size - done - n : done;
        if (veo_i_rw(sh, 0, buf, sa + off, n) < 0 || veo_i_rw(dh, 1, buf, da + off, n) < 0)
            rc = -1;
    }
    free(buf);
    return rc;
}
