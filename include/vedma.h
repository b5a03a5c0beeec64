/* <vedma.h>: user DMA of the software Vector Engine (VE side).
 *
 * Same names, types and return conventions as NEC's libveio (libsysve).
 * VE code built for x86 links librashm-ve (pkg-config rashm-ve) and runs
 * inside a rashm-ve helper process (one per VE process).
 *
 * Addresses are VEHVAs: DMAATB translations handed out by vh_shmat() (a VH-VE
 * SHM segment, 2 MiB region) or ve_register_mem_to_dmaatb() (VE memory, 2 MiB
 * or 64 MiB region). A DMA copies `size` bytes from `src` to `dst`; it is
 * executed by the VE process's DMA engine thread, not by the poster.
 *
 * Transfer rules (as on the card): dst and src 4-byte aligned, size a positive
 * multiple of 4 and less than 128 MiB (VE_DMA_MAX_SIZE). The card does not
 * check them; here a request that breaks them is refused by ve_dma_post() /
 * ve_dma_post_wait() with -EINVAL and takes no ring slot.
 *
 * Completion status (ve_dma_poll, ve_dma_wait, ve_dma_post_wait):
 *   0                       success
 *   VE_DMA_EXC_PROTECTION   0x8000  dst lies in a read-only entry (SHM_RDONLY)
 *   VE_DMA_EXC_MISSING_PAGE 0x4000  src or dst starts in a VEHVA region but on
 *                                   a page that no entry translates
 *   VE_DMA_EXC_MISSING_SPACE 0x2000 src or dst is outside every VEHVA region,
 *                                   or [addr, addr+size) runs past the end of
 *                                   the entry it starts in
 *   VE_DMA_EXC_MEM_ACCESS 0x1000  the DMA was still queued when the VE process
 *                                 shut down (it never ran)
 * Bits of src and dst are ORed. A transfer with any bit set copies nothing.
 * A DMA is validated when the engine reaches it: unregistering or detaching
 * what a queued DMA refers to makes it miss (0x4000), never touch freed memory.
 */
#ifndef RASHM_VEDMA_H
#define RASHM_VEDMA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef RASHM_VE_DMA_HANDLE_DEFINED
#define RASHM_VE_DMA_HANDLE_DEFINED
/* status: -1 while not known to be complete; index: descriptor ring slot. */
typedef struct ve_dma_handle {
    int status;
    int index;
} ve_dma_handle_t;
#endif

#define VE_DMA_NDESC 128                 /* descriptor ring slots per VE process */
#define VE_DMA_MAX_SIZE (128 << 20)      /* size must be below this */
#define VE_DMA_EXC_PROTECTION   0x8000
#define VE_DMA_EXC_MISSING_PAGE 0x4000
#define VE_DMA_EXC_MISSING_SPACE 0x2000
#define VE_DMA_EXC_MEM_ACCESS   0x1000   /* here: DMA still queued when the VE process shut down */
#define VE_DMA_EXC_IO_ACCESS    0x0800   /* defined by the card; not raised here */

/* Makes the DMA engine usable by the caller. Idempotent. 0, or -1 with errno
 * (ESHUTDOWN once the VE process is shutting down). */
int ve_dma_init(void);

/* Posts a DMA into the next ring slot. 0 and *handle = {-1, slot} on success;
 * -EAGAIN (nothing posted) when that slot's previous DMA has not completed;
 * -EINVAL when the transfer breaks the rules above; -EFAULT for a NULL handle;
 * -ESHUTDOWN once the VE process is shutting down.
 * The handle must stay valid until it has been polled: when its slot is
 * reused, the completion status of its DMA is written into handle->status. */
int ve_dma_post(uint64_t dst, uint64_t src, int size, ve_dma_handle_t *handle);

/* 0 or exception bits when the DMA is complete, -EAGAIN while it is not. */
int ve_dma_poll(ve_dma_handle_t *handle);

/* Waits for the DMA (spins briefly, then sleeps). 0 or exception bits. */
int ve_dma_wait(ve_dma_handle_t *handle);

/* Posts (waiting for a free slot) and waits. 0, exception bits, or -EINVAL. */
int ve_dma_post_wait(uint64_t dst, uint64_t src, int size);

/* Fills regs[0..3] with the engine's control registers:
 *   [0] control: bit 0 = engine running
 *   [1] next ring slot the engine will execute
 *   [2] next ring slot a post will use
 *   [3] number of DMAs completed with exception bits so far */
void ve_dma_read_ctrl_reg(uint64_t *regs);

/* Registers VE memory [vemva, vemva+size) in the DMAATB and returns its VEHVA,
 * or (uint64_t)-1 with errno:
 *   EINVAL  vemva NULL or size 0; vemva and size not both aligned to 64 MiB
 *           (-> 64 MiB-page entry, region 0x700_0000_0000) or to 2 MiB
 *           (-> 2 MiB-page entry, region 0x88_0000_0000); or the range is not
 *           mapped in this VE process
 *   EACCES  the range is not writable
 *   ENOMEM  no DMAATB directory/entry left
 * Registering the same (vemva, size) again returns the same VEHVA and counts
 * a reference. The memory must stay allocated while it is registered. */
uint64_t ve_register_mem_to_dmaatb(void *vemva, size_t size);

/* Drops one reference of a registration made by ve_register_mem_to_dmaatb;
 * the entry is freed with the last one. 0, or -1 with errno EINVAL (vehva is
 * not the start of such a registration). */
int ve_unregister_mem_from_dmaatb(uint64_t vehva);

#ifdef __cplusplus
}
#endif
#endif
