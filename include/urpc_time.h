/* <urpc_time.h>: the clock that AVEO's benchmark and test programs read
 * (it comes with ve-urpc, AVEO's transport, on a card). Here: microseconds
 * of CLOCK_MONOTONIC. */
#ifndef RASHM_URPC_TIME_H
#define RASHM_URPC_TIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t get_time_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#endif
