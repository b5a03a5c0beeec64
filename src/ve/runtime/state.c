/* The runtime's shared state and its fault injection: the lowest layer of
 * librashm-ve, used by every other file and calling none of them. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

struct rt rashm_rt;
pthread_mutex_t rashm_rt_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- fault injection ------------------------------------------------------
 * RASHM_VE_FAULT="point:ERRNO[:count][,point:ERRNO[:count]...]" makes the
 * named step fail with ERRNO (a name such as ECANCELED, or a number), `count`
 * times (default: every time). It exists for errors that a Linux kernel cannot
 * produce on demand. Points:
 *   shmat       the shmat(2) step of vh_shmat (e.g. EIDRM: the id was removed
 *               between lookup and attach)
 *   shmat_stat  the IPC_STAT after the attach (ECANCELED)
 *   ived        "VEOS not connected to IVED" (ENOTSUP)
 *   shmdt       releasing the DMAATB entry in vh_shmdt (ECANCELED)
 *   server_late not an error: the device's request server thread waits
 *               ERRNO (a number) milliseconds before its first look at the
 *               request area, as a thread the scheduler starts late
 */
#define MAX_FAULTS 8
static struct fault {
    char point[16];
    int err;
    int count; /* < 0: unlimited */
} faults[MAX_FAULTS];
static int nfaults;
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;

static int errno_by_name(const char *s)
{
    static const struct { const char *n; int e; } tab[] = {
        {"ECANCELED", ECANCELED}, {"EIDRM", EIDRM}, {"ENOTSUP", ENOTSUP},
        {"ENOMEM", ENOMEM},       {"EFAULT", EFAULT}, {"EINVAL", EINVAL},
        {"EACCES", EACCES},       {"EBUSY", EBUSY},  {"EPERM", EPERM},
    };
    char *end;
    long x = strtol(s, &end, 10);
    if (end != s && *end == 0 && x > 0 && x < 4096)
        return (int)x;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(s, tab[i].n))
            return tab[i].e;
    return 0;
}

int rt_fault_load(void)
{
    const char *v = secure_getenv("RASHM_VE_FAULT");
    char buf[256], *save = NULL, *tok;
    int rc = 0;
    pthread_mutex_lock(&fault_lock);
    nfaults = 0;
    if (v && strlen(v) >= sizeof buf) {
        fprintf(stderr, "rashm-ve: RASHM_VE_FAULT is too long (at most %zu bytes)\n",
                sizeof buf - 1);
        rc = -EINVAL;
    } else if (v) {
        strcpy(buf, v);
        for (tok = strtok_r(buf, ",", &save); tok && rc == 0;
             tok = strtok_r(NULL, ",", &save)) {
            char *c1 = strchr(tok, ':'), *c2;
            if (!c1 || nfaults == MAX_FAULTS) {
                fprintf(stderr, "rashm-ve: RASHM_VE_FAULT entry %s is not valid: "
                        "point:ERRNO[:count], at most %d entries\n", tok, MAX_FAULTS);
                rc = -EINVAL;
                break;
            }
            *c1++ = 0;
            c2 = strchr(c1, ':');
            if (c2)
                *c2++ = 0;
            struct fault f = { .err = errno_by_name(c1), .count = c2 ? atoi(c2) : -1 };
            if (!f.err || strlen(tok) >= sizeof f.point) {
                fprintf(stderr, "rashm-ve: RASHM_VE_FAULT entry %s is not valid: "
                        "point:ERRNO[:count] with ERRNO a number or E-name\n", tok);
                rc = -EINVAL;
                break;
            }
            strcpy(f.point, tok);
            faults[nfaults++] = f;
        }
    }
    if (rc)
        nfaults = 0;
    pthread_mutex_unlock(&fault_lock);
    return rc;
}

int rt_fault(const char *point)
{
    int err = 0;
    pthread_mutex_lock(&fault_lock);
    for (int i = 0; i < nfaults && !err; i++) {
        if (strcmp(faults[i].point, point) || faults[i].count == 0)
            continue;
        err = faults[i].err;
        if (faults[i].count > 0)
            faults[i].count--;
    }
    pthread_mutex_unlock(&fault_lock);
    return err;
}
