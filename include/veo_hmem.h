/* <veo_hmem.h>: helpers on hmem pointers (VE memory named by a VH pointer,
 * see veo_alloc_hmem in <ve_offload.h>). Included by <ve_offload.h>. */
#ifndef RASHM_VEO_HMEM_H
#define RASHM_VEO_HMEM_H

#ifdef __cplusplus
extern "C" {
#endif

/* At most this many VE processes exist at once in one VH process (AVEO
 * keeps the identifier in 4 bits of an hmem pointer). */
#define VEO_MAX_HMEM_PROCS 16

/* 1 if addr is an hmem pointer, else 0 (a plain VE address is none). */
int veo_is_ve_addr(const void *addr);
/* The VE address an hmem pointer names; any other value as it is. */
void *veo_get_hmem_addr(void *addr);
/* The VE process identifier in an hmem pointer, or -1 if it is none. */
int veo_get_proc_identifier_from_hmem(const void *addr);
/* The largest identifier of a live VE process, or -1 when there is none. */
int veo_get_max_proc_identifier(void);

#ifdef __cplusplus
}
#endif
#endif
