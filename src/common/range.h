/* Ranges of an object in pages: the arithmetic the core's planner and the
 * faces' argument checks share (pure, header only). */
#ifndef RASHM_COMMON_RANGE_H
#define RASHM_COMMON_RANGE_H

#include <errno.h>
#include <stdint.h>

/* size rounded up to a multiple of page_size (the extent a mapping of an
 * object of `size` bytes has). */
static inline uint64_t rcom_round_up(uint64_t size, uint64_t page_size)
{
    return (size + page_size - 1) / page_size * page_size;
}

/* [off, off+len) inside an object of `size` bytes in pages of page_size:
 * off and len multiples of the page size, off inside, len 0 meaning to the
 * end (AIX's convention), nothing past the rounded-up end. 0 with the
 * resolved length in *len_out, or -EINVAL. */
static inline int rcom_range_check(uint64_t size, uint64_t page_size, uint64_t off, uint64_t len,
                                   uint64_t *len_out)
{
    uint64_t end = rcom_round_up(size, page_size);
    if (off % page_size || off >= end)
        return -EINVAL;
    if (len == 0)
        len = end - off;
    if (len % page_size || len > end - off)
        return -EINVAL;
    *len_out = len;
    return 0;
}

#endif
