/* <veo_veshm_defs.h>: the mode flags of VE-VE shared memory (VESHM), with
 * NEC's names and values (AVEO, VEOS). Included by <veo_veshm.h>. */
#ifndef RASHM_VEO_VESHM_DEFS_H
#define RASHM_VEO_VESHM_DEFS_H

/* Given to veo_shared_mem_open (and repeated, as part of the area's
 * identity, to attach and close). */
enum VESHM_mode_flag {
    VE_SHM_RO = 0x0000000000000001LL,       /* attachers get read-only access */
    VE_PCISYNC = 0x0000000000000002LL,      /* with VE_REGISTER_PCI: sync register pair syncnum */
    VE_REGISTER_PCI = 0x0000000000000004LL, /* reachable from other VE nodes too */
    VE_MAP_256MB = 0x0000000000000010LL,    /* VE3 only: not accepted here */
};

/* How an area is registered or attached. */
enum VESHM_additional_mode_flag {
    VE_REGISTER_NONE = 0x0000000000001000LL,  /* open: this VE node only */
    VE_REGISTER_VEMVA = 0x0000000000002000LL, /* attach at a VE address of the attacher */
    VE_REGISTER_VEHVA = 0x0000000000004000LL, /* attach through the DMAATB (other node) */
    VE_MEM_LOCAL = 0x0000000000008000LL,      /* own memory into the own DMAATB */
};

#endif
