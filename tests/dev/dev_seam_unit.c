/* The device seam of the VH process (src/dev) against a fake backend that
 * records every call: the ABI stamp, the shared stub for what a backend
 * leaves out, reference counts, generation tags of reused keys,
 * all-or-nothing registration, and release of what is left at close. */
#include <errno.h>
#include <stdint.h>

#include "check.h"
#include "dev.h"

struct fake {
    int regs, unregs, closed;
    int fail_reg;        /* -errno to return from reg */
    uint64_t next_key;   /* key handed out by the next reg, 0: from the address */
    int live[16];        /* per key (addr >> 20): registrations the device holds */
};

static int fake_reg(struct rashm_dev *d, const struct rashm_dev_range *r, uint64_t *key)
{
    struct fake *f = rashm_dev_priv(d);
    if (f->fail_reg)
        return f->fail_reg;
    f->regs++;
    *key = f->next_key ? f->next_key : r->addr >> 20;
    f->live[*key % 16]++;
    return 0;
}

static int fake_unreg(struct rashm_dev *d, uint64_t key)
{
    struct fake *f = rashm_dev_priv(d);
    if (f->live[key % 16] == 0)
        return -EINVAL;
    f->live[key % 16]--;
    f->unregs++;
    return 0;
}

static void fake_close(struct rashm_dev *d)
{
    struct fake *f = rashm_dev_priv(d);
    f->closed++;
}

int main(void)
{
    struct fake f = {0};
    struct rashm_dev *d = NULL;
    struct rashm_dev_ops ops = {
        .abi = RASHM_DEV_ABI, .name = "fake", .reg = fake_reg, .unreg = fake_unreg,
        .close = fake_close,
    };
    struct rashm_dev_range r1 = {RASHM_DEV_HOST, 1u << 20, 4096};
    struct rashm_dev_range r2 = {RASHM_DEV_HOST, 2u << 20, 4096};
    uint64_t k, k2, g1, g2;
    size_t len = 8;
    char buf[8];

    check_begin();

    /* a backend built for another ABI is refused */
    ops.abi = RASHM_DEV_ABI + 1;
    CHECK_EQ(rashm_dev_open(&ops, &f, &d), -EPROTO);
    ops.abi = RASHM_DEV_ABI;
    CHECK_EQ(rashm_dev_open(&ops, &f, &d), 0);
    CHECK(d != NULL);
    if (!d)
        return 1;

    /* what the backend leaves out is the one stub: ENOTSUP */
    CHECK_EQ(rashm_dev_pack_key(d, 1, buf, &len), -ENOTSUP);

    /* two registrations of one range: one record, two references */
    CHECK_EQ(rashm_dev_register(d, &r1, &k, &g1), 0);
    CHECK_EQ(rashm_dev_register(d, &r1, &k2, &g2), 0);
    CHECK_EQ(k, k2);
    CHECK_EQ(g1, g2);
    CHECK_EQ(rashm_dev_refs(d, k), 2);
    CHECK_EQ(rashm_dev_unregister(d, k), 0);
    CHECK_EQ(rashm_dev_refs(d, k), 1);
    CHECK_EQ(rashm_dev_unregister(d, k), 0);
    CHECK_EQ(rashm_dev_refs(d, k), 0);
    CHECK_EQ(rashm_dev_generation(d, k), 0);
    /* a third one is the backend's to refuse */
    CHECK_EQ(rashm_dev_unregister(d, k), -EINVAL);

    /* the same key again: a new generation, so an old holder can tell */
    CHECK_EQ(rashm_dev_register(d, &r1, &k2, &g2), 0);
    CHECK_EQ(k2, k);
    CHECK(g2 > g1);
    CHECK_EQ(rashm_dev_generation(d, k), g2);

    /* a failing backend leaves no record */
    f.fail_reg = -ENOMEM;
    CHECK_EQ(rashm_dev_register(d, &r2, &k, NULL), -ENOMEM);
    CHECK_EQ(rashm_dev_refs(d, r2.addr >> 20), 0);
    f.fail_reg = 0;
    CHECK_EQ(rashm_dev_register(d, &r2, &k, NULL), 0);
    CHECK_EQ(rashm_dev_register(d, &r2, &k, NULL), 0);

    /* bad arguments */
    struct rashm_dev_range empty = {RASHM_DEV_HOST, 3u << 20, 0};
    CHECK_EQ(rashm_dev_register(d, &empty, &k, NULL), -EINVAL);

    /* close releases every reference still recorded (r1 once, r2 twice),
     * then the backend */
    int before = f.unregs;
    rashm_dev_close(d);
    CHECK_EQ(f.unregs - before, 3);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(f.live[i], 0);
    CHECK_EQ(f.closed, 1);

    /* a device whose registrations die with it is not asked for each */
    struct fake f2 = {0};
    ops.flags = RASHM_DEV_F_REGS_DIE_WITH_DEVICE;
    CHECK_EQ(rashm_dev_open(&ops, &f2, &d), 0);
    CHECK_EQ(rashm_dev_register(d, &r1, &k, NULL), 0);
    rashm_dev_close(d);
    CHECK_EQ(f2.unregs, 0);
    CHECK_EQ(f2.closed, 1);

    /* no close hook and no reg: the stub */
    struct rashm_dev_ops bare = {.abi = RASHM_DEV_ABI};
    CHECK_EQ(rashm_dev_open(&bare, NULL, &d), 0);
    CHECK_EQ(rashm_dev_register(d, &r1, &k, NULL), -ENOTSUP);
    CHECK_EQ(rashm_dev_unregister(d, 1), -ENOTSUP);
    rashm_dev_close(d);

    return check_end();
}
