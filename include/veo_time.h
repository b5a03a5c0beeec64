/* <veo_time.h>: the time helpers AVEO's test and benchmark programs use
 * (AVEO ships a header of this name). Microseconds of the realtime clock,
 * as AVEO reads on the VH; VE code here is x86 code and reads the same. */
#ifndef RASHM_VEO_TIME_H
#define RASHM_VEO_TIME_H

#include <stdint.h>
#include <sys/time.h>

static inline long get_time_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, (void *)0);
    return (long)tv.tv_sec * 1000000L + (long)tv.tv_usec;
}

/* microseconds since ts (a get_time_us value) */
static inline long timediff_us(long ts)
{
    return get_time_us() - ts;
}

/* waits us microseconds without sleeping */
static inline void busy_sleep_us(long us)
{
    long t0 = get_time_us();
    while (timediff_us(t0) < us)
        ;
}

#endif
