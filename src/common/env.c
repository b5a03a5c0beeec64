#define _GNU_SOURCE
#include "env.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

static const struct rcom_env_choice policy_choices[] = {
    /* AIX's default for shared memory (memplace_shm_named=2) is round robin */
    {"balanced", 2}, {"round-robin", 2}, {"2", 2},
    {"first-touch", 1}, {"first_touch", 1}, {"firsttouch", 1}, {"1", 1},
    {NULL, 0},
};
static const struct rcom_env_choice balanced_choices[] = {
    {"interleave", 0}, {"weighted", 1}, {NULL, 0},
};

#define BOOL_ACCEPTED "0, 1, off, on, no, yes, false, true"

static const struct rcom_env_var table[RCOM_ENV_COUNT] = {
    [RCOM_ENV_DEFAULT_POLICY] = {"RASHM_DEFAULT_POLICY", RCOM_ENV_CHOICE, RCOM_ENV_CORE, "balanced",
        "what P_DEFAULT / RASHM_POLICY_DEFAULT means: balanced (round robin, AIX's memplace_shm_named=2) or first-touch",
        "balanced, round-robin, 2, first-touch, first_touch, firsttouch, 1", 0, 0, policy_choices},
    [RCOM_ENV_BALANCED] = {"RASHM_BALANCED", RCOM_ENV_CHOICE, RCOM_ENV_CORE, "interleave",
        "balanced ranges: interleave (MPOL_INTERLEAVE) or weighted (MPOL_WEIGHTED_INTERLEAVE where the kernel has it, 6.9+)",
        "interleave, weighted", 0, 0, balanced_choices},
    [RCOM_ENV_ENHANCED_AFFINITY] = {"RASHM_ENHANCED_AFFINITY", RCOM_ENV_BOOL, RCOM_ENV_CORE, "1",
        "0: SRAD support off (R_SRADID attachments fail with ENOTSUP, rs_get_homesrad returns SRADID_ANY)",
        BOOL_ACCEPTED, 0, 1, NULL},
    [RCOM_ENV_SHMAT] = {"RASHM_SHMAT", RCOM_ENV_BOOL, RCOM_ENV_CORE, "1",
        "0: librashm's shmat does not re-apply first-touch policies of huge-page segments", BOOL_ACCEPTED, 0, 1, NULL},
    [RCOM_ENV_REGISTRY_DIR] = {"RASHM_REGISTRY_DIR", RCOM_ENV_ABSPATH, RCOM_ENV_CORE, "/dev/shm/rashm-registry",
        "where placements are recorded for other processes to read; must be root's (or, for a private registry, the caller's), else it is not used",
        "an absolute path", 0, 0, NULL},
    [RCOM_ENV_DEBUG] = {"RASHM_DEBUG", RCOM_ENV_BOOL, RCOM_ENV_CORE, "0",
        "1: log topology, every mbind, registry decisions to stderr", BOOL_ACCEPTED, 0, 1, NULL},
    [RCOM_ENV_TOPOLOGY_SYNTHETIC] = {"RASHM_TOPOLOGY_SYNTHETIC", RCOM_ENV_STRING, RCOM_ENV_TESTS, "",
        "tests only: plan against an hwloc synthetic topology (placement then fails with ENOTSUP)",
        "an hwloc synthetic description", 0, 0, NULL},
    [RCOM_ENV_TOPOLOGY_XML] = {"RASHM_TOPOLOGY_XML", RCOM_ENV_ABSPATH, RCOM_ENV_TESTS, "",
        "tests only: plan against an hwloc XML topology (placement then fails with ENOTSUP)",
        "an absolute path", 0, 0, NULL},
    [RCOM_ENV_VE_NODES] = {"RASHM_VE_NODES", RCOM_ENV_INT, RCOM_ENV_VE, "1", "number of software VE nodes",
        "an integer 1..16", 1, 16, NULL},
    [RCOM_ENV_VE_MEM_SIZE] = {"RASHM_VE_MEM_SIZE", RCOM_ENV_SIZELIST, RCOM_ENV_VE, "8G",
        "VE memory per node (lazily backed, at most 128G), or a comma list per node",
        "a size (64M, 2G, 0x...; K/M/G/T binary multiples) or a comma list of sizes", 0, 0, NULL},
    [RCOM_ENV_VE_NUMA_NODE] = {"RASHM_VE_NUMA_NODE", RCOM_ENV_INTLIST, RCOM_ENV_VE, "-1",
        "host NUMA node of each VE node (its memory and threads are placed there); -1: not tied",
        "a node number -1..1023 or a comma list of them", -1, 1023, NULL},
    [RCOM_ENV_VE_SPIN_US] = {"RASHM_VE_SPIN_US", RCOM_ENV_INT, RCOM_ENV_VE, "50",
        "how long VE workers and VH waiters spin before sleeping (microseconds)", "an integer 0..1000000", 0,
        1000000, NULL},
    [RCOM_ENV_VE_HELPER] = {"RASHM_VE_HELPER", RCOM_ENV_ABSPATH, RCOM_ENV_VE, "",
        "path of rashm-ve (default: libexec/rashm/rashm-ve relative to the library)", "an absolute path", 0, 0, NULL},
    [RCOM_ENV_VE_NO_THP] = {"RASHM_VE_NO_THP", RCOM_ENV_FLAG, RCOM_ENV_VE, "",
        "set: no transparent huge pages for VE memory", "any value (set) or unset", 0, 0, NULL},
    [RCOM_ENV_VE_NO_PVM] = {"RASHM_VE_NO_PVM", RCOM_ENV_FLAG, RCOM_ENV_VE, "",
        "set: move data through the shared ring instead of process_vm_readv/writev", "any value (set) or unset",
        0, 0, NULL},
    [RCOM_ENV_VE_DEBUG] = {"RASHM_VE_DEBUG", RCOM_ENV_FLAG, RCOM_ENV_VE, "", "set: print the helper's dlopen errors",
        "any value (set) or unset", 0, 0, NULL},
    [RCOM_ENV_VE_DMAATB_DIRS] = {"RASHM_VE_DMAATB_DIRS", RCOM_ENV_INT, RCOM_ENV_VE, "56",
        "DMAATB directories (smaller for tests)", "an integer 1..4096", 1, 4096, NULL},
    [RCOM_ENV_VE_DMAATB_ENTRIES] = {"RASHM_VE_DMAATB_ENTRIES", RCOM_ENV_INT, RCOM_ENV_VE, "256",
        "DMAATB entries per directory (smaller for tests)", "an integer 1..256", 1, 256, NULL},
    [RCOM_ENV_VE_RUNTIME_LIB] = {"RASHM_VE_RUNTIME_LIB", RCOM_ENV_STRING, RCOM_ENV_VE, "",
        "the VE-side library the VH-VE SHM and DMA wrappers load into the VE process (default: librashm-ve.so.0 next to librashm-veo)",
        "a path, or a library name dlopen searches for", 0, 0, NULL},
    [RCOM_ENV_VE_FAULT] = {"RASHM_VE_FAULT", RCOM_ENV_STRING, RCOM_ENV_TESTS, "",
        "tests only: inject the VEOS-internal failures the kernel cannot produce on demand (see docs/veo.md)",
        "a comma list of op:errno[:count]", 0, 0, NULL},
    [RCOM_ENV_VE_TIMEOUT_MS] = {"RASHM_VE_TIMEOUT_MS", RCOM_ENV_INT, RCOM_ENV_VE, "30000",
        "how long the VH waits for the software VE to answer a request that runs no VE function "
        "(VH-VE SHM, DMA, control requests); past it the VE process is taken as wedged and killed",
        "an integer 100..86400000 (milliseconds)", 100, 86400000, NULL},
    [RCOM_ENV_DEMO_VE_LIB] = {"RASHM_DEMO_VE_LIB", RCOM_ENV_ABSPATH, RCOM_ENV_DEMO, "",
        "the VE library of the VEO demo (default: libve-demo-kernel.so of the build)", "an absolute path", 0, 0,
        NULL},
};

const struct rcom_env_var *rcom_env_var(enum rcom_env_id id)
{
    return (unsigned)id < RCOM_ENV_COUNT ? &table[id] : NULL;
}

const struct rcom_env_var *rcom_env_lookup(const char *name)
{
    for (int i = 0; i < RCOM_ENV_COUNT; i++)
        if (!strcmp(table[i].name, name))
            return &table[i];
    return NULL;
}

const char *rcom_env_raw(enum rcom_env_id id)
{
    return secure_getenv(table[id].name);
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "0") || !strcasecmp(v, "off") || !strcasecmp(v, "no") || !strcasecmp(v, "false"))
        return *out = 0, 0;
    if (!strcmp(v, "1") || !strcasecmp(v, "on") || !strcasecmp(v, "yes") || !strcasecmp(v, "true"))
        return *out = 1, 0;
    return -EINVAL;
}

static int parse_choice(const struct rcom_env_var *e, const char *v, int *out)
{
    for (const struct rcom_env_choice *c = e->choices; c->name; c++)
        if (!strcasecmp(v, c->name))
            return *out = c->value, 0;
    return -EINVAL;
}

static int check_list(const struct rcom_env_var *e, const char *v)
{
    char buf[64];
    int n = 1;
    for (const char *p = v; *p; p++)
        n += *p == ',';
    for (int i = 0; i < n; i++) {
        uint64_t sz;
        long l;
        if (!rcom_list_item(v, i, buf, sizeof buf))
            return -EINVAL;
        if (e->type == RCOM_ENV_SIZELIST ? rcom_parse_size(buf, 0, &sz) : rcom_parse_long(buf, e->lo, e->hi, &l))
            return -EINVAL;
    }
    return 0;
}

int rcom_env_validate(enum rcom_env_id id, const char *v, char *err, size_t errlen)
{
    const struct rcom_env_var *e = &table[id];
    int rc = 0, i;
    long l;
    if (!v || !*v)
        return 0;   /* unset and empty both mean the default */
    switch (e->type) {
    case RCOM_ENV_BOOL: rc = parse_bool(v, &i); break;
    case RCOM_ENV_FLAG: case RCOM_ENV_STRING: rc = 0; break;
    case RCOM_ENV_INT: rc = rcom_parse_long(v, e->lo, e->hi, &l); break;
    case RCOM_ENV_CHOICE: rc = parse_choice(e, v, &i); break;
    case RCOM_ENV_ABSPATH: rc = v[0] == '/' ? 0 : -EINVAL; break;
    case RCOM_ENV_SIZELIST: case RCOM_ENV_INTLIST: rc = check_list(e, v); break;
    }
    if (rc && err)
        snprintf(err, errlen, "%s=%s is not accepted: %s", e->name, v, e->accepted);
    return rc;
}

/* Once per distinct name=value: a library called in a loop must not flood
 * stderr, but every new bad value is worth one line. */
void rcom_env_report(enum rcom_env_id id, const char *value)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char last[RCOM_ENV_COUNT][128];
    char msg[512];
    snprintf(msg, sizeof msg, "%s=%s is not accepted: %s", table[id].name, value, table[id].accepted);
    pthread_mutex_lock(&lock);
    int fresh = strncmp(last[id], value, sizeof last[id] - 1) != 0;
    if (fresh)
        snprintf(last[id], sizeof last[id], "%s", value);
    pthread_mutex_unlock(&lock);
    if (fresh)
        fprintf(stderr, "rashm: %s\n", msg);
}

static int bad(enum rcom_env_id id, const char *v)
{
    rcom_env_report(id, v);
    return -EINVAL;
}

int rcom_env_bool(enum rcom_env_id id, int *out)
{
    const char *v = rcom_env_raw(id);
    if (!v || !*v)
        return parse_bool(table[id].dflt, out);
    return parse_bool(v, out) ? bad(id, v) : 0;
}

int rcom_env_long(enum rcom_env_id id, long *out)
{
    const struct rcom_env_var *e = &table[id];
    const char *v = rcom_env_raw(id);
    if (!v || !*v)
        return rcom_parse_long(e->dflt, LONG_MIN, LONG_MAX, out);
    return rcom_parse_long(v, e->lo, e->hi, out) ? bad(id, v) : 0;
}

int rcom_env_choice(enum rcom_env_id id, int *out)
{
    const struct rcom_env_var *e = &table[id];
    const char *v = rcom_env_raw(id);
    if (!v || !*v)
        return *out = e->choices[0].value, 0;
    return parse_choice(e, v, out) ? bad(id, v) : 0;
}

int rcom_env_vendor_long(const char *name, long lo, long hi, long dflt, long *out)
{
    const char *v = secure_getenv(name);
    if (!v || !*v)
        return *out = dflt, 0;
    if (rcom_parse_long(v, lo, hi, out) == 0)
        return 0;
    fprintf(stderr, "rashm: %s=%s is not accepted: an integer %ld..%ld\n", name, v, lo, hi);
    return -EINVAL;
}

int rcom_env_flag(enum rcom_env_id id)
{
    return rcom_env_raw(id) != NULL;
}

int rcom_env_string(enum rcom_env_id id, const char **out)
{
    const char *v = rcom_env_raw(id);
    *out = NULL;
    if (!v || !*v)
        return 0;
    if (table[id].type == RCOM_ENV_ABSPATH && v[0] != '/')
        return bad(id, v);
    *out = v;
    return 0;
}

int rcom_env_size_at(enum rcom_env_id id, int i, uint64_t dflt, uint64_t *out)
{
    const char *v = rcom_env_raw(id);
    char buf[64];
    if (!v || !*v)
        return *out = dflt, 0;
    if (check_list(&table[id], v) || !rcom_list_item(v, i, buf, sizeof buf))
        return bad(id, v);
    return rcom_parse_size(buf, 0, out);
}

int rcom_env_long_at(enum rcom_env_id id, int i, long dflt, long *out)
{
    const struct rcom_env_var *e = &table[id];
    const char *v = rcom_env_raw(id);
    char buf[64];
    if (!v || !*v)
        return *out = dflt, 0;
    if (check_list(e, v) || !rcom_list_item(v, i, buf, sizeof buf))
        return bad(id, v);
    return rcom_parse_long(buf, e->lo, e->hi, out);
}
