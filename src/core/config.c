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

#define DEFAULT_REGISTRY_DIR "/dev/shm/rashm-registry"

static int env_bool(const char *name, int dflt)
{
    const char *v = secure_getenv(name);
    if (!v || !*v)
        return dflt;
    if (!strcmp(v, "0") || !strcasecmp(v, "off") || !strcasecmp(v, "no") || !strcasecmp(v, "false"))
        return 0;
    if (!strcmp(v, "1") || !strcasecmp(v, "on") || !strcasecmp(v, "yes") || !strcasecmp(v, "true"))
        return 1;
    return dflt;
}

static int parse_default_policy(const char *v)
{
    if (!v || !*v)
        return RASHM_POLICY_BALANCED;
    if (!strcasecmp(v, "first-touch") || !strcasecmp(v, "first_touch") || !strcasecmp(v, "firsttouch") ||
        !strcmp(v, "1"))
        return RASHM_POLICY_FIRST_TOUCH;
    /* "balanced", "round-robin", "2" and anything unknown: AIX's default
     * for shared memory (memplace_shm_named=2) is round-robin. */
    return RASHM_POLICY_BALANCED;
}

void cfg_read(struct rashm_cfg *c)
{
    c->default_policy = parse_default_policy(secure_getenv("RASHM_DEFAULT_POLICY"));
    const char *b = secure_getenv("RASHM_BALANCED");
    c->weighted = b && !strcasecmp(b, "weighted");
    c->enhanced_affinity = env_bool("RASHM_ENHANCED_AFFINITY", 1);
    c->debug = env_bool("RASHM_DEBUG", 0);
    c->shmat_hook = env_bool("RASHM_SHMAT", 1);
    const char *d = secure_getenv("RASHM_REGISTRY_DIR");
    snprintf(c->registry_dir, sizeof c->registry_dir, "%s", d && *d == '/' ? d : DEFAULT_REGISTRY_DIR);
}

int cfg_debug(void)
{
    return env_bool("RASHM_DEBUG", 0);
}

void rashm_dbg(const char *fmt, ...)
{
    if (!cfg_debug())
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rashm[%d]: ", (int)getpid());
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int rashm_config_default_policy(void)
{
    struct rashm_cfg c;
    cfg_read(&c);
    return c.default_policy;
}

int rashm_config_enhanced_affinity(void)
{
    return env_bool("RASHM_ENHANCED_AFFINITY", 1);
}

/* The table rashm_config_items hands out: rebuilt under a lock on each
 * call; the strings live in static buffers. */
#define NITEMS 8
static struct rashm_config_item items[NITEMS];
static char values[NITEMS][320];
static pthread_mutex_t items_lock = PTHREAD_MUTEX_INITIALIZER;

int rashm_config_items(const struct rashm_config_item **out)
{
    struct rashm_cfg c;
    cfg_read(&c);
    static const struct {
        const char *name, *dflt, *desc;
    } def[NITEMS] = {
        {"RASHM_DEFAULT_POLICY", "balanced",
         "what P_DEFAULT / RASHM_POLICY_DEFAULT means: balanced (round-robin, AIX memplace_shm_named=2) or first-touch"},
        {"RASHM_BALANCED", "interleave",
         "balanced placement: interleave (MPOL_INTERLEAVE) or weighted (MPOL_WEIGHTED_INTERLEAVE where the kernel has it)"},
        {"RASHM_ENHANCED_AFFINITY", "1", "0 switches SRAD support off: R_SRADID attachments fail with ENOTSUP"},
        {"RASHM_SHMAT", "1",
         "0 stops librashm's shmat from re-applying first-touch policy to new attaches of huge-page segments"},
        {"RASHM_REGISTRY_DIR", DEFAULT_REGISTRY_DIR,
         "where placements are recorded for other processes (must be the same for every process)"},
        {"RASHM_DEBUG", "0", "1 logs every placement decision to stderr"},
        {"RASHM_TOPOLOGY_SYNTHETIC", "", "tests only: hwloc synthetic topology instead of this machine (placement then fails with ENOTSUP)"},
        {"RASHM_TOPOLOGY_XML", "", "tests only: hwloc XML file instead of this machine (placement then fails with ENOTSUP)"},
    };
    pthread_mutex_lock(&items_lock);
    for (int i = 0; i < NITEMS; i++) {
        const char *env = secure_getenv(def[i].name);
        const char *eff;
        switch (i) {
        case 0: eff = c.default_policy == RASHM_POLICY_FIRST_TOUCH ? "first-touch" : "balanced"; break;
        case 1: eff = c.weighted ? (kernel_has_weighted_interleave() ? "weighted" : "weighted (not supported by this kernel: interleave)") : "interleave"; break;
        case 2: eff = c.enhanced_affinity ? "1" : "0"; break;
        case 3: eff = c.shmat_hook ? "1" : "0"; break;
        case 4: eff = c.registry_dir; break;
        case 5: eff = c.debug ? "1" : "0"; break;
        default: eff = env ? env : ""; break;
        }
        snprintf(values[i], sizeof values[i], "%s", eff);
        items[i].name = def[i].name;
        items[i].value = values[i];
        items[i].default_value = def[i].dflt;
        items[i].description = def[i].desc;
        items[i].from_env = env != NULL;
    }
    pthread_mutex_unlock(&items_lock);
    *out = items;
    return NITEMS;
}

const char *rashm_policy_name(int policy)
{
    switch (policy) {
    case RASHM_POLICY_DEFAULT: return "default";
    case RASHM_POLICY_FIRST_TOUCH: return "first-touch";
    case RASHM_POLICY_BALANCED: return "balanced";
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
