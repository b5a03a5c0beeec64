/* The environment a VE process starts with. As on a card (where VEOS hands
 * VE programs their variables), VE_NAME=value reaches the VE process as
 * NAME=value and wins over a NAME of the VH: VE_OMP_NUM_THREADS=1 becomes
 * OMP_NUM_THREADS=1 there. The VE_ variables stay too. In a privileged
 * VH process (AT_SECURE) VE_LD_* is not turned into LD_*, since the loader
 * of the helper would obey it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "veo_internal.h"

extern char **environ;

static size_t name_len(const char *e)
{
    const char *eq = strchr(e, '=');
    return eq ? (size_t)(eq - e) : strlen(e);
}

/* the index of NAME (len bytes) in v[0..n), or -1 */
static long find(char **v, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (name_len(v[i]) == len && memcmp(v[i], name, len) == 0)
            return (long)i;
    return -1;
}

int veo_i_ve_environ(char ***out)
{
    size_t n = 0, k = 0;
    while (environ && environ[n])
        n++;
    /* each entry may add one; a NULL at the end */
    char **v = calloc(2 * n + 1, sizeof *v);
    if (!v)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        v[k++] = environ[i];
    int secure = veo_i_secure();
    for (size_t i = 0; i < n; i++) {
        const char *e = environ[i];
        if (strncmp(e, "VE_", 3) != 0 || !strchr(e, '='))
            continue;
        const char *inner = e + 3;
        size_t len = name_len(inner);
        if (len == 0 || (secure && strncmp(inner, "LD_", 3) == 0))
            continue;
        long at = find(v, k, inner, len);
        if (at >= 0)
            v[at] = (char *)inner;
        else
            v[k++] = (char *)inner;
    }
    v[k] = NULL;
    *out = v;
    return 0;
}
