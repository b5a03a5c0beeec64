/* The device seam: device objects, their ops and the record of the
 * registrations made through them (see dev.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "dev.h"

struct reg_rec {
    uint64_t key;
    uint64_t gen;
    unsigned refs;
    struct rashm_dev_range range;
    struct reg_rec *next;
};

struct rashm_dev {
    struct rashm_dev_ops ops; /* a copy, NULL entries replaced by the stub */
    void *priv;
    pthread_mutex_t lock;     /* the record below */
    struct reg_rec *regs;
    uint64_t gen;             /* generation of the latest record */
};

/* The one stub every unsupported operation resolves to. Its signature does
 * not match the slots it fills, so each slot gets a thin typed wrapper that
 * does nothing but call it. */
static int unsupported(void)
{
    return -ENOTSUP;
}
static int stub_reg(struct rashm_dev *d, const struct rashm_dev_range *r, uint64_t *key)
{
    (void)d, (void)r, (void)key;
    return unsupported();
}
static int stub_unreg(struct rashm_dev *d, uint64_t key)
{
    (void)d, (void)key;
    return unsupported();
}
static int stub_pack_key(struct rashm_dev *d, uint64_t key, void *buf, size_t *len)
{
    (void)d, (void)key, (void)buf, (void)len;
    return unsupported();
}
static void stub_close(struct rashm_dev *d)
{
    (void)d;
}

int rashm_dev_open(const struct rashm_dev_ops *ops, void *priv, struct rashm_dev **out)
{
    struct rashm_dev *d;
    if (!ops || !out)
        return -EINVAL;
    if (ops->abi != RASHM_DEV_ABI)
        return -EPROTO;
    d = calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    d->ops = *ops;
    if (!d->ops.reg)
        d->ops.reg = stub_reg;
    if (!d->ops.unreg)
        d->ops.unreg = stub_unreg;
    if (!d->ops.pack_key)
        d->ops.pack_key = stub_pack_key;
    if (!d->ops.close)
        d->ops.close = stub_close;
    if (!d->ops.name)
        d->ops.name = "?";
    d->priv = priv;
    pthread_mutex_init(&d->lock, NULL);
    *out = d;
    return 0;
}

void rashm_dev_close(struct rashm_dev *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    while (d->regs) {
        struct reg_rec *r = d->regs;
        d->regs = r->next;
        if (!(d->ops.flags & RASHM_DEV_F_REGS_DIE_WITH_DEVICE))
            while (r->refs--)
                d->ops.unreg(d, r->key);
        free(r);
    }
    pthread_mutex_unlock(&d->lock);
    d->ops.close(d);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

void *rashm_dev_priv(const struct rashm_dev *d)
{
    return d->priv;
}

const char *rashm_dev_name(const struct rashm_dev *d)
{
    return d->ops.name;
}

/* lock held */
static struct reg_rec **find(struct rashm_dev *d, uint64_t key)
{
    struct reg_rec **pp;
    for (pp = &d->regs; *pp; pp = &(*pp)->next)
        if ((*pp)->key == key)
            break;
    return pp;
}

int rashm_dev_register(struct rashm_dev *d, const struct rashm_dev_range *r, uint64_t *key,
                       uint64_t *gen)
{
    struct reg_rec **pp, *rec;
    uint64_t k;
    int rc;

    if (!d || !r || !key || !r->size)
        return -EINVAL;
    /* The lock is held across the backend's call: a registration and the
     * unregistration of the same key must reach the device in the order the
     * record shows them. */
    pthread_mutex_lock(&d->lock);
    rc = d->ops.reg(d, r, &k);
    if (rc < 0)
        goto out;
    pp = find(d, k);
    if (*pp) {
        rec = *pp;
        rec->refs++;
    } else {
        rec = calloc(1, sizeof *rec);
        if (!rec) {
            d->ops.unreg(d, k); /* all or nothing */
            rc = -ENOMEM;
            goto out;
        }
        rec->key = k;
        rec->gen = ++d->gen;
        rec->refs = 1;
        rec->range = *r;
        rec->next = d->regs;
        d->regs = rec;
    }
    *key = k;
    if (gen)
        *gen = rec->gen;
out:
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int rashm_dev_unregister(struct rashm_dev *d, uint64_t key)
{
    struct reg_rec **pp;
    int rc;
    if (!d)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    rc = d->ops.unreg(d, key);
    pp = find(d, key);
    if (rc == 0 && *pp && --(*pp)->refs == 0) {
        struct reg_rec *r = *pp;
        *pp = r->next;
        free(r);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

uint64_t rashm_dev_generation(struct rashm_dev *d, uint64_t key)
{
    uint64_t g;
    pthread_mutex_lock(&d->lock);
    struct reg_rec **pp = find(d, key);
    g = *pp ? (*pp)->gen : 0;
    pthread_mutex_unlock(&d->lock);
    return g;
}

unsigned rashm_dev_refs(struct rashm_dev *d, uint64_t key)
{
    unsigned n;
    pthread_mutex_lock(&d->lock);
    struct reg_rec **pp = find(d, key);
    n = *pp ? (*pp)->refs : 0;
    pthread_mutex_unlock(&d->lock);
    return n;
}

int rashm_dev_pack_key(struct rashm_dev *d, uint64_t key, void *buf, size_t *len)
{
    if (!d || !len)
        return -EINVAL;
    return d->ops.pack_key(d, key, buf, len);
}
