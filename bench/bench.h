/* Small pieces every benchmark needs: a clock, medians, /proc/meminfo, and
 * borrowing 2 MiB huge pages for the run (given back at exit, also on
 * SIGINT/SIGTERM, so an interrupted benchmark does not keep the pool). */
#ifndef RASHM_BENCH_H
#define RASHM_BENCH_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hugepool.h"

/* Monotonic time in seconds. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts v and returns its median. */
static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The value of a /proc/meminfo field ("HugePages_Free:"), or -1. */
static inline long bench_meminfo(const char *field)
{
    char line[256];
    long v = -1;
    FILE *f = fopen("/proc/meminfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, strlen(field))) {
            v = strtol(line + strlen(field), NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

/* Huge pages are borrowed by delta (src/common/hugepool.h: vm.nr_hugepages
 * grown and lowered by what this run needs, under the lock every rashm
 * program shares), never set to an absolute value: a benchmark running next
 * to tests must not undo their loans. */
#define BENCH_MAX_LOANS 16
static struct rcom_hp_loan bench_loans[BENCH_MAX_LOANS];

static inline long bench_nr_hugepages(void)
{
    return rcom_read_long(RCOM_HP_KNOB);
}

/* Gives back every loan of this run. */
static inline void bench_hugepages_give_back(void)
{
    for (int i = 0; i < BENCH_MAX_LOANS; i++)
        rcom_hp_return(&bench_loans[i], NULL);
}

static inline void bench_hugepages_on_signal(int sig)
{
    bench_hugepages_give_back();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Makes at least `pages` huge pages free, borrowing what is missing (root).
 * Returns 0 when they are free, -1 when the kernel could not provide them. */
static inline int bench_hugepages_ensure_free(long pages)
{
    static int hooked;
    int i;
    for (i = 0; i < BENCH_MAX_LOANS && bench_loans[i].pages; i++)
        ;
    if (i == BENCH_MAX_LOANS)
        return -1;
    if (!hooked) {
        hooked = 1;
        atexit(bench_hugepages_give_back);
        signal(SIGINT, bench_hugepages_on_signal);
        signal(SIGTERM, bench_hugepages_on_signal);
    }
    if (rcom_hp_ensure_free(pages, &bench_loans[i]) < 0)
        return -1;
    return bench_meminfo("HugePages_Free:") >= pages ? 0 : -1;
}

#endif
