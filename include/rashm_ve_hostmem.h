/* <rashm_ve_hostmem.h>: host-memory loads and stores for VE code on rashm's
 * software Vector Engine, and the VE's clocks. Link: pkg-config rashm-ve.
 *
 * On a card, VE code reaches VH memory registered in its DMAATB (a VH-VE
 * SHM attach, vh_shmat; VE memory registered with ve_register_mem_to_dmaatb
 * or veo_shared_mem_attach(VE_MEM_LOCAL)) one word at a time with the LHM
 * (load host memory) and SHM (store host memory) instructions, given the
 * VEHVA, and orders them with FENCEM. VE code here is x86 code: these
 * functions do the same, translating the VEHVA through the VE process's
 * DMAATB, as a 4- or 8-byte DMA between the VEHVA and a register.
 *
 *   rashm_ve_lhm_l / rashm_ve_lhm_w   LHM.L / LHM.W: 8- / 4-byte load
 *   rashm_ve_shm_l / rashm_ve_shm_w   SHM.L / SHM.W: 8- / 4-byte store
 *   rashm_ve_fence_sf / _lf / _lsf    FENCEM 1 / 2 / 3 (stores, loads, both)
 *
 * A VEHVA that no registration translates, an access running past its
 * registration, a store into a read-only registration (SHM_RDONLY attach),
 * or an address not aligned to the access size is a VE exception, as on
 * the card: the running VE call ends with VEO_COMMAND_EXCEPTION (the VE
 * process gets SIGSEGV; SIGBUS for a page of the registration that cannot
 * be had), and the VE process ends. Each load and store is complete when
 * the function returns (it is a synchronous transfer), so the fences only
 * have to order the caller's own plain loads and stores around them: they
 * are full memory barriers.
 *
 * Clocks (figures of a VE1 card, Type 10B):
 *   rashm_ve_usrcc()  the user clock counter (the USRCC register, `smir
 *                     %usrcc`): counts at the core clock, RASHM_VE_USRCC_HZ
 *                     = 1.4 GHz. Monotonic, from an unspecified start (here
 *                     the host's boot); per VE process, not per core.
 *   VEHVA 0x1000      the system timer (STM) among the system common
 *                     registers: an 8-byte LHM there reads it, counting at
 *                     RASHM_VE_STM_HZ = 800 MHz (NEC's own code divides by
 *                     800e6). A store there is an exception. rashm_ve_stm()
 *                     reads it directly.
 * Both derive from the host's CLOCK_MONOTONIC_RAW: their rate is exact,
 * their resolution that of the host clock.
 *
 * Code written for the card with ve-urpc's ve_inst.h (ve_inst_lhm,
 * ve_inst_shm32, ve_inst_fenceSF, ...) can define RASHM_VE_INST_NAMES
 * before including this header to get inline functions of those names
 * (this header is deliberately not called ve_inst.h, so that a program's
 * own file of that name does not hide it). */
#ifndef RASHM_VE_HOSTMEM_H
#define RASHM_VE_HOSTMEM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RASHM_VE_USRCC_HZ 1400000000ULL /* VE1 Type 10B core clock */
#define RASHM_VE_STM_HZ 800000000ULL    /* system timer */
#define RASHM_VE_STM_VEHVA 0x1000ULL    /* the STM among the system common registers */

uint64_t rashm_ve_lhm_l(const void *vehva);
uint32_t rashm_ve_lhm_w(const void *vehva);
void rashm_ve_shm_l(void *vehva, uint64_t value);
void rashm_ve_shm_w(void *vehva, uint32_t value);
void rashm_ve_fence_sf(void);
void rashm_ve_fence_lf(void);
void rashm_ve_fence_lsf(void);
uint64_t rashm_ve_usrcc(void);
uint64_t rashm_ve_stm(void);

#ifdef RASHM_VE_INST_NAMES
static inline uint64_t ve_inst_lhm(void *vehva) { return rashm_ve_lhm_l(vehva); }
static inline uint32_t ve_inst_lhm32(void *vehva) { return rashm_ve_lhm_w(vehva); }
static inline void ve_inst_shm(void *vehva, uint64_t value) { rashm_ve_shm_l(vehva, value); }
static inline void ve_inst_shm32(void *vehva, uint32_t value) { rashm_ve_shm_w(vehva, value); }
static inline void ve_inst_fenceSF(void) { rashm_ve_fence_sf(); }
static inline void ve_inst_fenceLF(void) { rashm_ve_fence_lf(); }
static inline void ve_inst_fenceLSF(void) { rashm_ve_fence_lsf(); }
#endif

#ifdef __cplusplus
}
#endif
#endif
