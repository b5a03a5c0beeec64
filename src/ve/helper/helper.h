/* Pieces of the rashm-ve helper (the software VE process), one concern per
 * file:
 *   main.c     start-up, the control loop, exit
 *   control.c  control requests: libraries, symbols, contexts
 *   worker.c   one worker thread per context: the ring's VE side
 *   call.c     executing a call (libffi) or a small copy in a slot
 *   fault.c    signals in VE code and guarded copies
 *   ring.c     futex, completion, spin-then-sleep wait
 *   device.c   the device process (forked at start-up; VE code never runs
 *              there) and the VE process's watch on it
 *   memory.c   the shared region, the VE memory of the node: mapping, NUMA
 *              placement, CPUs
 * Each file calls only files listed below it (no cycle).
 * All of them speak the contract of src/proto/rve_proto.h; the runtime
 * (librashm-ve) is reached through src/ve/ve_runtime.h only. */
#ifndef RASHM_VE_HELPER_H
#define RASHM_VE_HELPER_H

#include <sched.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rve_proto.h"

/* the shared region (fd 4) and its header (memory.c) */
extern struct rve_header *hdr;
extern void *shm;

/* CPUs of the VE node's host NUMA node, when it has one (memory.c) */
extern cpu_set_t node_cpus;
extern int have_node_cpus;

/* memory.c: maps the VE memory (a memfd, kept open as ve_mem_fd) at
 * hdr->mem_base; 0 or -errno */
extern int ve_mem_fd;
int map_hmem_window(void); /* VE process: VE memory again at hdr->hmem_base */
int map_ve_memory(void);

/* device.c: splits off the VE process. Returns 0 in the VE process (with
 * dev_pidfd a pidfd of the device process) or -errno; the device process
 * never returns from it. */
extern int dev_pidfd;
int device_split(int vh_pidfd);

/* fault.c */
/* What the current thread is executing, for the fault handler. */
extern __thread struct rve_ring *tl_ring;
extern __thread struct rve_slot *tl_slot;
int install_fault_handlers(void);
/* memcpy that turns a fault on either side into -EFAULT */
int guarded_copy(void *dst, const void *src, size_t n);

/* ring.c */
long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts);
void publish_done(struct rve_ring *r, uint32_t seq);
/* Sleeps until *word != val or the ring is asked to stop; spins first.
 * sleeping_flag, when given, tells the VH that a futex wake is needed. */
void wait_change(struct rve_ring *r, _Atomic uint32_t *word, uint32_t val,
                 _Atomic uint32_t *sleeping_flag);

/* worker.c */
int ctx_open(int idx, size_t stacksize);
int ctx_close(int idx);

/* call.c: execute the slot, filling status and retval */
void do_call(struct rve_slot *s);
void do_copy(struct rve_slot *s, int write);

/* control.c: one control request (never RVE_OP_EXIT) */
void handle(const struct rve_msg *m, struct rve_reply *rep);

#endif
