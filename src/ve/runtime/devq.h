/* The request area between a VE process and its device process (private to
 * librashm-ve: both ends are this library, in two processes).
 *
 * It is a MAP_SHARED|MAP_ANONYMOUS mapping made before the rashm-ve program
 * splits (src/ve/helper/device.c), so the two processes share it and nothing
 * else can reach it. VE code runs in the VE process and may scribble over
 * all of it, so the device process treats every word of it as a hostile
 * value:
 *  - it copies a request's op and arguments into its own memory once, then
 *    validates them there (an op outside the table is -ENOSYS; addresses and
 *    sizes are checked by the DMAATB and the DMA engine as for any caller);
 *  - it indexes nothing of its own with a value read here: request slots are
 *    scanned by the device's own loop counter, descriptor indices it hands
 *    out come from its own engine;
 *  - which requests it has served it keeps in its own memory (served[]), so
 *    a scribbled `done` word cannot make it skip or repeat one forever: a
 *    slot whose `seq` differs from what it served last is served once;
 *  - it only ever writes results here (rc, out[], done, the descriptor
 *    mirror, the counters), never reads them back.
 * What the VE process reads here (results, descriptor states) it trusts: it
 * can only hurt itself by scribbling.
 *
 * Protocol of one request slot: the VE process (holding the slot's lock in
 * its private memory) writes op and a[], stores seq + 1 into seq (release),
 * bumps bell and wakes the server if server_sleeping. The server runs the
 * request, writes rc and out[], stores done = seq (release), and wakes the
 * slot's futex if waiting is set. Both sides spin first, then sleep on a
 * futex (process-shared words: the two processes share the mapping). */
#ifndef RASHM_VE_DEVQ_H
#define RASHM_VE_DEVQ_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#include "vedma.h"

#define DQ_NREQ 64 /* request slots; VE threads hash onto them */

/* Ops of the VE side (results in rc: >= 0 or -errno; out[] as noted). */
#define DQ_OP_LIST(X)                                                                 \
    X(SHMGET, 1)        /* a0 key, a1 size, a2 flag: rc = shmid */                     \
    X(SHMAT, 2)         /* a0 id, a1 addr, a2 flag: rc = 0, out0 addr, out1 vehva */   \
    X(SHMDT, 3)         /* a0 addr */                                                  \
    X(DMA_POST, 4)      /* a0 dst, a1 src, a2 size: rc = index, out0 old status */     \
    X(DMA_POST_WAIT, 5) /* a0 dst, a1 src, a2 size: rc = status */                     \
    X(REGISTER, 6)      /* a0 vemva, a1 size: out0 vehva */                            \
    X(UNREGISTER, 7)    /* a0 vehva */                                                 \
    X(READ_REGS, 8)     /* out0..3 the control registers */                            \
    X(VEHVA_READ, 9)    /* a0 vehva, a1 n <= DQ_DATA: data = bytes; rc 0 / exc bits */ \
    X(VEHVA_WRITE, 10)  /* a0 vehva, a1 n <= DQ_DATA, data: rc 0 / exc bits */

enum dq_op {
#define DQ_X_(name, num) DQ_##name = num,
    DQ_OP_LIST(DQ_X_)
#undef DQ_X_
};

#define DQ_DATA 64 /* bytes of a VEHVA_READ/VEHVA_WRITE */
/* A DMA_POST up to this size is run by the device before it answers when
 * its engine is idle (a larger one overlaps with the poster's work) */
#define DQ_INLINE_MAX (64u << 10)

struct dq_req {
    alignas(64) _Atomic uint32_t seq;  /* VE process: request number */
    _Atomic uint32_t done;             /* device: last request served */
    _Atomic uint32_t waiting;          /* VE process: sleeping on done */
    uint32_t op;
    uint64_t a[4];
    int64_t rc;
    uint64_t out[4];
    unsigned char data[DQ_DATA];
};

/* Descriptor states as the device publishes them (the S_* of dma.c). */
enum dq_state { DQ_FREE = 0, DQ_POSTED, DQ_RUNNING, DQ_DONE };
struct dq_desc {
    _Atomic int32_t state;
    int32_t exc;
};

struct devq {
    _Atomic int32_t ready;            /* device: 0 starting, 1 up, < 0: -errno */
    uint32_t spin_ns;                 /* device: how long waiters spin */
    alignas(64) _Atomic uint32_t bell; /* VE process: bumped per request */
    _Atomic uint32_t server_sleeping; /* device: the server sleeps on bell */
    alignas(64) _Atomic uint32_t dma_done; /* device: bumped per DMA completion */
    _Atomic uint32_t dma_waiters;     /* VE process: threads asleep on dma_done */
    alignas(64) _Atomic uint64_t heartbeat; /* device: server loop passes */
    alignas(64) struct dq_desc desc[VE_DMA_NDESC];
    struct dq_req req[DQ_NREQ];
};

#endif
