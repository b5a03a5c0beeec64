/* The device seam of the VH process: how memory is made reachable by a
 * device (a software VE's DMAATB today; a GPU or an RDMA NIC next, see
 * docs/devices.md). Not installed.
 *
 * A backend is an ops table stamped with the ABI it was written for. Each
 * device object carries its own ops, so one process can drive several kinds
 * of device at once. Operations a backend leaves NULL all go to one stub
 * that fails with ENOTSUP.
 *
 * What lives here, in the VH process, for every backend: the record of the
 * registrations made through the seam (who holds them, how many times,
 * which generation), their locking, and their release when the device is
 * closed, so that none outlives its device. What the device does with a
 * registration (a DMAATB entry in the software VE's helper, a pinned range
 * for the CUDA driver, a memory handle and remote key for UCX) stays behind
 * the backend's ops.
 *
 * Internal functions return 0 or -errno.
 */
#ifndef RASHM_DEV_H
#define RASHM_DEV_H

#include <stddef.h>
#include <stdint.h>

/* Bumped whenever struct rashm_dev_ops changes layout or meaning; a device
 * whose ops carry another stamp is refused (-EPROTO). */
#define RASHM_DEV_ABI 1

/* Where a range to register lives. */
enum rashm_dev_space {
    RASHM_DEV_HOST = 1,   /* memory of this (VH) process: a SysV segment, a buffer */
    RASHM_DEV_DEVICE = 2, /* memory of the device (a VE address, device memory) */
};

/* Device properties (rashm_dev_ops.flags). */
enum {
    /* The device's registrations end with the device itself (the software
     * VE's DMAATB lives in its helper process, which exits): closing it
     * needs no unregistration of each. */
    RASHM_DEV_F_REGS_DIE_WITH_DEVICE = 1u << 0,
};

struct rashm_dev;

struct rashm_dev_range {
    enum rashm_dev_space space;
    uint64_t addr;
    uint64_t size;
};

struct rashm_dev_ops {
    uint32_t abi;  /* RASHM_DEV_ABI */
    uint32_t flags;
    const char *name;
    /* Make r reachable by the device. *key: the name the device uses for it
     * (a VEHVA, a device pointer, an rkey index); equal ranges may get equal
     * keys (the device counts them itself). */
    int (*reg)(struct rashm_dev *d, const struct rashm_dev_range *r, uint64_t *key);
    /* Drop one registration named key. */
    int (*unreg)(struct rashm_dev *d, uint64_t key);
    /* Serialise what a peer needs to reach the registration named key
     * (RDMA remote key); *len in: room, out: bytes written. */
    int (*pack_key)(struct rashm_dev *d, uint64_t key, void *buf, size_t *len);
    /* Release the backend's state (the seam has dealt with registrations). */
    void (*close)(struct rashm_dev *d);
};

/* A device object for ops and the backend's private data; 0 + *out, -EPROTO
 * (ABI stamp), -EINVAL, -ENOMEM. */
int rashm_dev_open(const struct rashm_dev_ops *ops, void *priv, struct rashm_dev **out);
/* Releases every registration still recorded (unless the device's go with
 * it), then the backend's state and the object. NULL is fine. */
void rashm_dev_close(struct rashm_dev *d);

void *rashm_dev_priv(const struct rashm_dev *d);
const char *rashm_dev_name(const struct rashm_dev *d);

/* Registers r through the device and records it. 0 + *key (and *gen, the
 * generation of the record when not NULL), or the backend's -errno. */
int rashm_dev_register(struct rashm_dev *d, const struct rashm_dev_range *r, uint64_t *key,
                       uint64_t *gen);
/* Drops one registration named key: the backend's result. The record of a
 * key registered through the seam loses one reference; a key the seam does
 * not know (registered by device-side code) is passed to the backend as is,
 * which decides. */
int rashm_dev_unregister(struct rashm_dev *d, uint64_t key);
/* The generation of the live record of key, 0 if none: a key reused after
 * its unregistration gets a new generation, so a holder of the old one can
 * tell that its registration is gone. */
uint64_t rashm_dev_generation(struct rashm_dev *d, uint64_t key);
/* References the seam records for key (0: none). */
unsigned rashm_dev_refs(struct rashm_dev *d, uint64_t key);
int rashm_dev_pack_key(struct rashm_dev *d, uint64_t key, void *buf, size_t *len);

#endif
