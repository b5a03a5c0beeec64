/* <veo_ve.h>: calls for VE code (VE libraries built for x86 against
 * pkg-config rashm-ve), as AVEO's VE-side header and libveohmem provide
 * them. Unlike AVEO's, this header may be included by host code too (VE
 * code here is x86 code). */
#ifndef RASHM_VEO_VE_H
#define RASHM_VEO_VE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* AVEO: the result of an earlier request of the calling context (offs 0:
 * the one just before the running call). The software VE keeps no such
 * history yet: -1, *result = 0 (docs/veo.md). */
int veo_prev_req_result(int offs, uint64_t *result);

/* hmem pointers handed over by veo_args_set_hmem: 1 when addr is one;
 * veo_get_hmem_addr gives the VE address it names (any other value as it
 * is). VE code may also dereference an hmem pointer directly. */
int veo_is_ve_addr(const void *addr);
void *veo_get_hmem_addr(void *addr);

#ifdef __cplusplus
}
#endif
#endif
