/* Configuration from RASHM_* environment variables. Read on every call (a
 * getenv scan is cheap next to a shmget), so a program or test that changes
 * its environment sees the change at once. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "internal.h"

#include "env.h"

/* Every variable comes from the one table of src/common/env.c; a value that
 * is set but not accepted fails the call (EINVAL) after one line on stderr
 * naming the variable and the accepted values. */
int cfg_read(struct rashm_cfg *c)
{
    int rc = 0, r;
    const char *d;
    memset(c, 0, sizeof *c);
    if ((r = rcom_env_choice(RCOM_ENV_DEFAULT_POLICY, &c->default_policy)) < 0)
        rc = r;
    c->default_policy = c->default_policy == 1 ? RASHM_POLICY_FIRST_TOUCH : RASHM_POLICY_BALANCED;
    if ((r = rcom_env_choice(RCOM_ENV_BALANCED, &c->weighted)) < 0)
        rc = r;
    if ((r = rcom_env_bool(RCOM_ENV_ENHANCED_AFFINITY, &c->enhanced_affinity)) < 0) {
        c->enhanced_affinity = 1;
        rc = r;
    }
    if ((r = rcom_env_bool(RCOM_ENV_DEBUG, &c->debug)) < 0)
        rc = r;
    if ((r = rcom_env_bool(RCOM_ENV_SHMAT, &c->shmat_hook)) < 0) {
        c->shmat_hook = 1;
        rc = r;
    }
    if ((r = rcom_env_string(RCOM_ENV_REGISTRY_DIR, &d)) < 0)
        rc = r;
    snprintf(c->registry_dir, sizeof c->registry_dir, "%s", d ? d : rcom_env_var(RCOM_ENV_REGISTRY_DIR)->dflt);
    return rc;
}

int rashm_config_default_policy(void)
{
    struct rashm_cfg c;
    cfg_read(&c);   /* a bad value was reported; the default stands here */
    return c.default_policy;
}

int rashm_config_enhanced_affinity(void)
{
    int on;
    /* a bad value was reported on stderr and fails every call that reads
     * the whole configuration (EINVAL); this query answers the default */
    return rcom_env_bool(RCOM_ENV_ENHANCED_AFFINITY, &on) < 0 || on;
}

/* The table rashm_config_items hands out: every RASHM_* variable of the
 * table in src/common/env.c, rebuilt under a lock on each call; the strings
 * live in static buffers. from_env: 0 default, 1 from the environment,
 * 2 set in the environment but not accepted (value then holds the error). */
static struct rashm_config_item items[RCOM_ENV_COUNT];
static char values[RCOM_ENV_COUNT][512];
static pthread_mutex_t items_lock = PTHREAD_MUTEX_INITIALIZER;

int rashm_config_items(const struct rashm_config_item **out)
{
    struct rashm_cfg c;
    cfg_read(&c);
    pthread_mutex_lock(&items_lock);
    for (int i = 0; i < RCOM_ENV_COUNT; i++) {
        const struct rcom_env_var *e = rcom_env_var(i);
        const char *env = rcom_env_raw(i);
        char err[400];
        const char *eff;
        int bad = rcom_env_validate(i, env, err, sizeof err) != 0;
        if (bad) {
            eff = err;
        } else {
            switch (i) {
            case RCOM_ENV_DEFAULT_POLICY: eff = c.default_policy == RASHM_POLICY_FIRST_TOUCH ? "first-touch" : "balanced"; break;
            case RCOM_ENV_BALANCED: eff = c.weighted ? (kernel_has_weighted_interleave() ? "weighted" : "weighted (not supported by this kernel: interleave)") : "interleave"; break;
            case RCOM_ENV_ENHANCED_AFFINITY: eff = c.enhanced_affinity ? "1" : "0"; break;
            case RCOM_ENV_SHMAT: eff = c.shmat_hook ? "1" : "0"; break;
            case RCOM_ENV_REGISTRY_DIR: eff = c.registry_dir; break;
            case RCOM_ENV_DEBUG: eff = c.debug ? "1" : "0"; break;
            default: eff = env && *env ? env : e->dflt; break;
            }
        }
        snprintf(values[i], sizeof values[i], "%s", eff);
        items[i].name = e->name;
        items[i].value = values[i];
        items[i].default_value = e->dflt;
        items[i].description = e->meaning;
        items[i].from_env = bad ? 2 : env != NULL;
    }
    pthread_mutex_unlock(&items_lock);
    *out = items;
    return RCOM_ENV_COUNT;
}

const char *rashm_policy_name(int policy)
{
    switch (policy) {
    case RASHM_POLICY_DEFAULT: return "default";
    case RASHM_POLICY_FIRST_TOUCH: return "first-touch";
    case RASHM_POLICY_BALANCED: return "balanced";
    case RASHM_POLICY_PREFERRED: return "preferred";
    default: return "unknown";
    }
}

const char *rashm_strerror(int err)
{
    switch (err) {
    case ENOTSUP:
        return "not supported here (no NUMA, SRADs switched off by RASHM_ENHANCED_AFFINITY=0, or a test topology)";
    case ENODEV:
        return "no such SRAD or NUMA node";
    case EPERM:
        return "resource outside this process's partition (the CPUs and memory nodes of its cpuset cgroup), or not the owner";
    case ENOMEM:
        return "out of memory (for huge pages: not enough reserved huge pages, see /proc/sys/vm/nr_hugepages)";
    default:
        return strerror(err);
    }
}
