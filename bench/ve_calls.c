/* VE library for the call benchmarks (loaded into rashm-ve). */
#include <stdint.h>

uint64_t bench_empty(void);
uint64_t bench_empty(void)
{
    return 0;
}

uint64_t bench_add(uint64_t a, uint64_t b);
uint64_t bench_add(uint64_t a, uint64_t b)
{
    return a + b;
}

uint64_t bench_args8(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f,
                     uint64_t g, uint64_t h);
uint64_t bench_args8(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f,
                     uint64_t g, uint64_t h)
{
    return a + b + c + d + e + f + g + h;
}

uint64_t bench_inout(uint64_t *p, uint64_t n);
uint64_t bench_inout(uint64_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        p[i]++;
    return n;
}
