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
