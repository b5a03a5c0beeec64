/* A "VE library" for the tests: x86 code loaded into the rashm-ve helper. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <veo_ve.h>

#define VE_EXPORT __attribute__((visibility("default")))

VE_EXPORT uint64_t ve_counter = 42;
VE_EXPORT char ve_message[64] = "hello from the VE";

VE_EXPORT uint64_t ve_empty(void);
VE_EXPORT uint64_t ve_empty(void) { return 0; }

VE_EXPORT int64_t ve_add(int64_t a, int64_t b);
VE_EXPORT int64_t ve_add(int64_t a, int64_t b) { return a + b; }

VE_EXPORT uint64_t ve_pid(void);
VE_EXPORT uint64_t ve_pid(void) { return (uint64_t)getpid(); }

/* Checks each scalar type arrives intact; returns a bit per bad argument. */
VE_EXPORT uint64_t ve_types(int64_t a, uint64_t b, int32_t c, uint32_t d, int16_t e, uint16_t f,
                            int8_t g, uint8_t h, double x, float y);
VE_EXPORT uint64_t ve_types(int64_t a, uint64_t b, int32_t c, uint32_t d, int16_t e, uint16_t f,
                            int8_t g, uint8_t h, double x, float y)
{
    uint64_t bad = 0;
    if (a != -1234567890123ll) bad |= 1;
    if (b != 0xfedcba9876543210ull) bad |= 2;
    if (c != -123456) bad |= 4;
    if (d != 0xdeadbeefu) bad |= 8;
    if (e != -1234) bad |= 16;
    if (f != 0xbeef) bad |= 32;
    if (g != -12) bad |= 64;
    if (h != 0xab) bad |= 128;
    if (x != 3.25) bad |= 256;
    if (y != -1.5f) bad |= 512;
    return bad;
}

/* Sum of the bytes of an IN buffer. */
VE_EXPORT uint64_t ve_sum_bytes(const unsigned char *p, uint64_t n);
VE_EXPORT uint64_t ve_sum_bytes(const unsigned char *p, uint64_t n)
{
    uint64_t s = 0;
    for (uint64_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* OUT: returns how many bytes were non-zero on entry, then fills i*3. */
VE_EXPORT uint64_t ve_fill(unsigned char *p, uint64_t n);
VE_EXPORT uint64_t ve_fill(unsigned char *p, uint64_t n)
{
    uint64_t nz = 0;
    for (uint64_t i = 0; i < n; i++) {
        nz += p[i] != 0;
        p[i] = (unsigned char)(i * 3);
    }
    return nz;
}

/* INOUT: adds k to every int. */
VE_EXPORT uint64_t ve_incr(int32_t *p, uint64_t n, int32_t k);
VE_EXPORT uint64_t ve_incr(int32_t *p, uint64_t n, int32_t k)
{
    for (uint64_t i = 0; i < n; i++)
        p[i] += k;
    return n;
}

/* Register and stack arguments mixed: 12 arguments. */
VE_EXPORT int64_t ve_sum12(int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4, int64_t a5,
                           int64_t a6, int64_t a7, int64_t a8, int64_t a9, int64_t a10, int64_t a11);
VE_EXPORT int64_t ve_sum12(int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4, int64_t a5,
                           int64_t a6, int64_t a7, int64_t a8, int64_t a9, int64_t a10, int64_t a11)
{
    return a0 + 2 * a1 + 3 * a2 + 4 * a3 + 5 * a4 + 6 * a5 + 7 * a6 + 8 * a7 + 9 * a8 + 10 * a9 +
           11 * a10 + 12 * a11;
}

/* 256 arguments: a weighted sum, so that order matters. */
#define A4(p) uint64_t p##0, uint64_t p##1, uint64_t p##2, uint64_t p##3
#define A16(p) A4(p##0), A4(p##1), A4(p##2), A4(p##3)
#define A64(p) A16(p##0), A16(p##1), A16(p##2), A16(p##3)
#define A256 A64(x0), A64(x1), A64(x2), A64(x3)
#define S4(p, b) (p##0 * (b + 1) + p##1 * (b + 2) + p##2 * (b + 3) + p##3 * (b + 4))
#define S16(p, b) (S4(p##0, b) + S4(p##1, b + 4) + S4(p##2, b + 8) + S4(p##3, b + 12))
#define S64(p, b) (S16(p##0, b) + S16(p##1, b + 16) + S16(p##2, b + 32) + S16(p##3, b + 48))
VE_EXPORT uint64_t ve_sum256(A256);
VE_EXPORT uint64_t ve_sum256(A256)
{
    return S64(x0, 0) + S64(x1, 64) + S64(x2, 128) + S64(x3, 192);
}

VE_EXPORT uint64_t ve_sleep_ms(uint64_t ms);
VE_EXPORT uint64_t ve_sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return ms;
}

/* Memory access by address, as VE code would do on VE memory. */
VE_EXPORT uint64_t ve_load(uint64_t addr);
VE_EXPORT uint64_t ve_load(uint64_t addr) { return *(volatile uint64_t *)(uintptr_t)addr; }
VE_EXPORT uint64_t ve_store(uint64_t addr, uint64_t v);
VE_EXPORT uint64_t ve_store(uint64_t addr, uint64_t v)
{
    *(volatile uint64_t *)(uintptr_t)addr = v;
    return v;
}

/* Appends `v` to a log in VE memory: ordering tests. */
VE_EXPORT uint64_t ve_log(uint64_t logaddr, uint64_t v);
VE_EXPORT uint64_t ve_log(uint64_t logaddr, uint64_t v)
{
    volatile uint64_t *log = (volatile uint64_t *)(uintptr_t)logaddr;
    uint64_t n = log[0];
    log[1 + n] = v;
    log[0] = n + 1;
    return n;
}

/* Exceptions. */
VE_EXPORT uint64_t ve_bad_addr = 8; /* a global, so the compiler cannot see the NULL */
VE_EXPORT uint64_t ve_crash(void);
VE_EXPORT uint64_t ve_crash(void)
{
    return *(volatile uint64_t *)(uintptr_t)ve_bad_addr;
}
VE_EXPORT uint64_t ve_divzero(uint64_t d);
VE_EXPORT uint64_t ve_divzero(uint64_t d)
{
    volatile uint64_t n = 10;
    return n / d;
}

/* $OMP_NUM_THREADS of the VE process as a number, -1 when unset. */
VE_EXPORT int64_t ve_omp_threads(void);
VE_EXPORT int64_t ve_omp_threads(void)
{
    const char *e = getenv("OMP_NUM_THREADS");
    return e ? atol(e) : -1;
}

/* Prints a line and leaves it in stdio's buffer (no fflush). */
VE_EXPORT int64_t ve_print(int64_t n);
VE_EXPORT int64_t ve_print(int64_t n)
{
    printf("ve-out %ld\n", (long)n);
    return 0;
}

/* The first 8 bytes of the VE memory named by an hmem pointer, as AVEO's VE
 * code reads it (tag stripped by the VE side); 0xbad for a pointer without
 * the tag. */
VE_EXPORT uint64_t ve_hmem_load(void *p);
VE_EXPORT uint64_t ve_hmem_load(void *p)
{
    if (!veo_is_ve_addr(p))
        return 0xbad;
    uint64_t v;
    memcpy(&v, veo_get_hmem_addr(p), 8);
    return v;
}

/* What AVEO's VE code does with an hmem pointer on the card: load and store
 * through it as it is, without veo_get_hmem_addr. */
VE_EXPORT uint64_t ve_hmem_load_direct(uint64_t *p);
VE_EXPORT uint64_t ve_hmem_load_direct(uint64_t *p)
{
    return *p;
}

VE_EXPORT uint64_t ve_hmem_store_direct(uint64_t *p, uint64_t v);
VE_EXPORT uint64_t ve_hmem_store_direct(uint64_t *p, uint64_t v)
{
    *p = v;
    return 0;
}

/* veo_is_ve_addr as VE code sees a value */
VE_EXPORT uint64_t ve_is_hmem(uint64_t p);
VE_EXPORT uint64_t ve_is_hmem(uint64_t p)
{
    return (uint64_t)veo_is_ve_addr((void *)(uintptr_t)p);
}

/* veo_prev_req_result from VE code: the result of the request offs places
 * before this one on the calling context, or ~0 when there is none. */
VE_EXPORT uint64_t ve_prev_result(int64_t offs);
VE_EXPORT uint64_t ve_prev_result(int64_t offs)
{
    uint64_t r = 0;
    if (veo_prev_req_result((int)offs, &r) != 0)
        return ~0ull;
    return r;
}

/* The calling context's history as VE code sees it: out[i] = the result
 * i places back, or ~0 where veo_prev_req_result fails (an entry without a
 * value, or none). Returns n. */
VE_EXPORT uint64_t ve_prev_dump(uint64_t *out, int64_t n);
VE_EXPORT uint64_t ve_prev_dump(uint64_t *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = 0;
        out[i] = veo_prev_req_result((int)i, &r) == 0 ? r : ~0ull;
    }
    return (uint64_t)n;
}
