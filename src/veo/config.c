/* Configuration of a VE process, read from the environment at
 * veo_proc_create (secure_getenv: a privileged process sees none of it):
 *   VE_NODE_NUMBER       the VE node of veo_proc_create(-1) (AVEO's variable)
 *   RASHM_VE_NODES       VE nodes of the software VE (1..RVE_MAX_NODES)
 *   RASHM_VE_MEM_SIZE    VE memory per node (size, or a list by node)
 *   RASHM_VE_NUMA_NODE   host NUMA node of each VE node (-1: none)
 *   RASHM_VE_SPIN_US     how long waiters spin before they sleep
 *   RASHM_VE_NO_PVM      copy through the ring instead of process_vm_*
 * A bad value is an error (EINVAL from veo_proc_create), never ignored. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "veo_internal.h"

#define DEFAULT_MEM_SIZE (8ull << 30)
#define DEFAULT_SPIN_US 50u

/* A bad value is an error that names the variable and what it accepts. */
static int bad(const char *name, const char *value, const char *accepted)
{
    fprintf(stderr, "librashm-veo: %s=%s is not valid: %s\n", name, value, accepted);
    return -EINVAL;
}

static int env_int(const char *name, long lo, long hi, long dflt, long *out)
{
    const char *s = secure_getenv(name);
    char *end;
    if (!s || !*s) {
        *out = dflt;
        return 0;
    }
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || end == s || *end || v < lo || v > hi) {
        char what[64];
        snprintf(what, sizeof what, "an integer %ld..%ld", lo, hi);
        return bad(name, s, what);
    }
    *out = v;
    return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s)
        return -EINVAL;
    switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    case 't': case 'T': v <<= 40; end++; break;
    default: break;
    }
    if (*end == 'i' || *end == 'B')
        end++;
    if (*end == 'B')
        end++;
    if (*end || v == 0)
        return -EINVAL;
    *out = v;
    return 0;
}

/* The i-th entry of a comma separated list; a single entry applies to all. */
static const char *list_item(const char *list, int i, char *buf, size_t len)
{
    const char *p = list;
    int k = 0;
    if (!strchr(list, ','))
        i = 0;
    while (k < i && p) {
        p = strchr(p, ',');
        if (p)
            p++;
        k++;
    }
    if (!p)
        return NULL;
    size_t n = strcspn(p, ",");
    if (n >= len)
        return NULL;
    memcpy(buf, p, n);
    buf[n] = 0;
    return buf;
}


static int read_config(int venode, struct ve_config *c)
{
    long v;
    char buf[64];
    const char *s;
    int rc;
    if ((rc = env_int("RASHM_VE_NODES", 1, RVE_MAX_NODES, 1, &v)) < 0)
        return rc;
    c->nodes = (int)v;
    if (venode >= c->nodes)
        return -EINVAL;
    c->mem = DEFAULT_MEM_SIZE;
    s = secure_getenv("RASHM_VE_MEM_SIZE");
    if (s && *s) {
        if (!list_item(s, venode, buf, sizeof buf) || parse_size(buf, &c->mem) < 0)
            return bad("RASHM_VE_MEM_SIZE", s,
                       "a size (K/M/G/T suffix), or a comma list with one per VE node");
    }
    c->mem = (c->mem + (2ull << 20) - 1) & ~((2ull << 20) - 1);
    if (c->mem > RVE_MEM_STRIDE)
        return bad("RASHM_VE_MEM_SIZE", s, "at most 1T per VE node");
    c->numa = -1;
    s = secure_getenv("RASHM_VE_NUMA_NODE");
    if (s && *s) {
        char *end;
        static const char what[] = "a host NUMA node with memory or -1, or a comma list "
                                    "with one per VE node";
        if (!list_item(s, venode, buf, sizeof buf))
            return bad("RASHM_VE_NUMA_NODE", s, what);
        errno = 0;
        v = strtol(buf, &end, 10);
        if (errno || end == buf || *end || v < -1 || v > 1023)
            return bad("RASHM_VE_NUMA_NODE", s, what);
        c->numa = (int)v;
        if (c->numa >= 0) {
            /* must be a host node with memory (mbind would silently accept
             * a node that does not exist as a preference) */
            char p[96];
            snprintf(p, sizeof p, "/sys/devices/system/node/node%d/meminfo", c->numa);
            if (access(p, R_OK) != 0)
                return bad("RASHM_VE_NUMA_NODE", s, what);
        }
    }
    if ((rc = env_int("RASHM_VE_SPIN_US", 0, 1000000, DEFAULT_SPIN_US, &v)) < 0)
        return rc;
    c->spin_us = (uint32_t)v;
    return 0;
}

int veo_i_config(int *venode, struct ve_config *c)
{
    long envnode;
    int rc;
    if (*venode < -1)
        return -EINVAL;
    if (*venode == -1) {
        if (env_int("VE_NODE_NUMBER", 0, RVE_MAX_NODES - 1, 0, &envnode) < 0)
            return -EINVAL;
        *venode = (int)envnode;
    }
    if ((rc = read_config(*venode, c)) < 0)
        return rc;
    c->no_pvm = secure_getenv("RASHM_VE_NO_PVM") != NULL;
    return 0;
}
