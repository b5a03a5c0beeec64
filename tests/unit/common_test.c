/* src/common (parsers, the RASHM_* table, /proc readers, the wait) and the
 * public set algebra. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "common.h"
#include "rashm.h"

static void parsers(void)
{
    uint64_t v;
    long l;
    CHECK_EQ(rcom_parse_size("64M", 0, &v), 0);
    CHECK_EQ(v, 64ull << 20);
    CHECK_EQ(rcom_parse_size("2GiB", 0, &v), 0);
    CHECK_EQ(v, 2ull << 30);
    CHECK_EQ(rcom_parse_size("0x200000", 0, &v), 0);
    CHECK_EQ(v, 0x200000);
    CHECK_EQ(rcom_parse_size("010", 0, &v), 0);   /* decimal, never octal */
    CHECK_EQ(v, 10);
    CHECK_EQ(rcom_parse_size("0", 0, &v), -EINVAL);
    CHECK_EQ(rcom_parse_size("12X", 0, &v), -EINVAL);
    CHECK_EQ(rcom_parse_size("-1", 0, &v), -EINVAL);
    CHECK_EQ(rcom_parse_size("99999999999T", 0, &v), -EINVAL);   /* overflow */
    CHECK_EQ(rcom_parse_long("010", 0, 100, &l), 0);
    CHECK_EQ(l, 10);
    CHECK_EQ(rcom_parse_long("101", 0, 100, &l), -EINVAL);
    CHECK_EQ(rcom_parse_long("", 0, 100, &l), -EINVAL);
    uint64_t bits[2];
    CHECK_EQ(rcom_parse_idmask("0-2,5,64", 128, bits), 0);
    CHECK_EQ(bits[0], 0x27ull);
    CHECK_EQ(bits[1], 1ull);
    CHECK_EQ(rcom_parse_idmask("3-1", 128, bits), -EINVAL);
    CHECK_EQ(rcom_parse_idmask("128", 128, bits), -EINVAL);
    CHECK_EQ(rcom_parse_idmask("1,", 128, bits), -EINVAL);
    char buf[16];
    CHECK(rcom_list_item("4G,8G", 1, buf, sizeof buf) && !strcmp(buf, "8G"));
    CHECK(rcom_list_item("4G", 3, buf, sizeof buf) && !strcmp(buf, "4G"));
    CHECK(rcom_list_item("4G,8G", 2, buf, sizeof buf) == NULL);
}

static void env(void)
{
    long l;
    int b;
    char err[256];
    /* every variable the README lists has a row, each row is complete */
    for (int i = 0; i < RCOM_ENV_COUNT; i++) {
        const struct rcom_env_var *e = rcom_env_var(i);
        CHECK(e && e->name && !strncmp(e->name, "RASHM_", 6) && e->meaning && e->accepted && e->dflt);
        CHECK(rcom_env_lookup(e->name) == e);
    }
    unsetenv("RASHM_VE_SPIN_US");
    CHECK_EQ(rcom_env_long(RCOM_ENV_VE_SPIN_US, &l), 0);
    CHECK_EQ(l, 50);
    setenv("RASHM_VE_SPIN_US", "0x10", 1);
    CHECK_EQ(rcom_env_long(RCOM_ENV_VE_SPIN_US, &l), 0);
    CHECK_EQ(l, 16);
    setenv("RASHM_VE_SPIN_US", "fast", 1);
    CHECK_EQ(rcom_env_long(RCOM_ENV_VE_SPIN_US, &l), -EINVAL);
    CHECK_EQ(rcom_env_validate(RCOM_ENV_VE_SPIN_US, "fast", err, sizeof err), -EINVAL);
    CHECK(strstr(err, "RASHM_VE_SPIN_US=fast") && strstr(err, "0..1000000"));
    unsetenv("RASHM_VE_SPIN_US");
    setenv("RASHM_DEBUG", "maybe", 1);
    CHECK_EQ(rcom_env_bool(RCOM_ENV_DEBUG, &b), -EINVAL);
    setenv("RASHM_DEBUG", "off", 1);
    CHECK_EQ(rcom_env_bool(RCOM_ENV_DEBUG, &b), 0);
    CHECK_EQ(b, 0);
    unsetenv("RASHM_DEBUG");
    /* a vendor's variable (not in the table) */
    unsetenv("RASHM_TEST_VENDOR_VAR");
    CHECK_EQ(rcom_env_vendor_long("RASHM_TEST_VENDOR_VAR", 0, 7, 3, &l), 0);
    CHECK_EQ(l, 3);
    setenv("RASHM_TEST_VENDOR_VAR", "5", 1);
    CHECK_EQ(rcom_env_vendor_long("RASHM_TEST_VENDOR_VAR", 0, 7, 3, &l), 0);
    CHECK_EQ(l, 5);
    setenv("RASHM_TEST_VENDOR_VAR", "8", 1);
    CHECK_EQ(rcom_env_vendor_long("RASHM_TEST_VENDOR_VAR", 0, 7, 3, &l), -EINVAL);
    setenv("RASHM_TEST_VENDOR_VAR", "-1", 1);
    CHECK_EQ(rcom_env_vendor_long("RASHM_TEST_VENDOR_VAR", 0, 7, 3, &l), -EINVAL);
    unsetenv("RASHM_TEST_VENDOR_VAR");
    uint64_t v;
    setenv("RASHM_VE_MEM_SIZE", "1G,2G", 1);
    CHECK_EQ(rcom_env_size_at(RCOM_ENV_VE_MEM_SIZE, 1, 0, &v), 0);
    CHECK_EQ(v, 2ull << 30);
    setenv("RASHM_VE_MEM_SIZE", "1G,lots", 1);
    CHECK_EQ(rcom_env_size_at(RCOM_ENV_VE_MEM_SIZE, 0, 0, &v), -EINVAL);   /* any bad entry */
    unsetenv("RASHM_VE_MEM_SIZE");
}

static void procfs(void)
{
    size_t len = 3 * 4096;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    struct rcom_vma v;
    CHECK_EQ(rcom_vma_find(0, (uint64_t)(uintptr_t)p + 4096, 1, &v), 0);
    CHECK(v.start <= (uint64_t)(uintptr_t)p && v.end >= (uint64_t)(uintptr_t)p + len);
    CHECK_EQ(v.page_size, (uint64_t)sysconf(_SC_PAGESIZE));
    CHECK(!strncmp(v.perms, "rw", 2));
    CHECK_EQ(rcom_vma_find(0, (uint64_t)(uintptr_t)p + 4096, 0, &v), 0);
    munmap(p, len);
    CHECK_EQ(rcom_vma_find(0, 4096, 1, &v), -ENOENT);   /* page 1 is never mapped */
    /* a file mapping: the device and inode of the file, by both paths
       (PROCMAP_QUERY and the text of maps) */
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    char *x = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(x != MAP_FAILED);
    for (int q = 0; q < 2; q++) {
        CHECK_EQ(rcom_vma_find(0, (uint64_t)(uintptr_t)x, q, &v), 0);
        CHECK_EQ(v.inode, (uint64_t)st.st_ino);
        CHECK_EQ(v.dev_major, (uint32_t)major(st.st_dev));
        CHECK_EQ(v.dev_minor, (uint32_t)minor(st.st_dev));
    }
    munmap(x, 4096);
    close(fd);
    unsigned long long f[3];
    CHECK_EQ(rcom_proc_stat(0, 3, 3, f), 0);   /* state, ppid, pgrp */
    CHECK_EQ(f[0], (unsigned long long)'R');
    CHECK_EQ(f[1], (unsigned long long)getppid());
    CHECK_EQ(f[2], (unsigned long long)getpgrp());
}

struct span_seen {
    int n;
    uint64_t from[8];
};

static int span_piece(const struct rcom_vma *v, uint64_t from, void *arg)
{
    struct span_seen *s = arg;
    if (from < v->start || from >= v->end)
        return -EIO;
    if (s->n < 8)
        s->from[s->n] = from;
    s->n++;
    return 0;
}

static int span_stop(const struct rcom_vma *v, uint64_t from, void *arg)
{
    (void)v, (void)from, (void)arg;
    return -EXDEV;
}

/* rcom_vma_span over three VMAs (the middle one read-only), then over a
 * hole; rcom_read_text bounded */
static void procfs_span(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(mprotect(p + pg, pg, PROT_READ), 0);
    uint64_t lo = (uint64_t)(uintptr_t)p + 100, hi = (uint64_t)(uintptr_t)p + 3 * pg - 100;
    struct span_seen s = { 0 };
    CHECK_EQ(rcom_vma_span(0, lo, hi, span_piece, &s), 0);
    CHECK_EQ(s.n, 3);
    CHECK_EQ(s.from[0], lo);
    CHECK_EQ(s.from[1], (uint64_t)(uintptr_t)p + pg);
    CHECK_EQ(s.from[2], (uint64_t)(uintptr_t)p + 2 * pg);
    CHECK_EQ(rcom_vma_span(0, lo, hi, span_stop, NULL), -EXDEV);
    CHECK_EQ(rcom_vma_span(0, hi, lo, span_piece, &s), -EINVAL);
    CHECK_EQ(munmap(p + pg, pg), 0);
    memset(&s, 0, sizeof s);
    CHECK_EQ(rcom_vma_span(0, lo, hi, span_piece, &s), 1);   /* the hole at p + pg */
    CHECK_EQ(s.n, 1);
    munmap(p, pg);
    munmap(p + 2 * pg, pg);

    char buf[64];
    int n = rcom_read_text("/proc/self/stat", buf, sizeof buf);
    CHECK_EQ(n, -EFBIG);     /* longer than 63 bytes: refused, not cut */
    char big[4096];
    n = rcom_read_text("/proc/self/stat", big, sizeof big);
    CHECK(n > 0 && (size_t)n == strlen(big) && big[n - 1] == '\n');
    CHECK_EQ(rcom_read_text("/proc/self/no-such-file", big, sizeof big), -ENOENT);
}

static int always_true(void *arg) { (void)arg; return 1; }
static int always_false(void *arg) { (void)arg; return 0; }

static _Atomic uint32_t word;
static void *bump(void *arg)
{
    usleep(20000);
    atomic_store(&word, 1);
    rcom_wake(&word, 1, RCOM_WAIT_PRIVATE);
    return arg;
}

static void wait_change(void)
{
    struct rcom_wait w = { .spin_ns = 1000, .timeout_ns = 5000000, .scope = RCOM_WAIT_PRIVATE };
    CHECK_EQ(rcom_wait_change(&word, 0, &w), -ETIMEDOUT);
    pthread_t t;
    pthread_create(&t, NULL, bump, NULL);
    w.timeout_ns = 0;
    CHECK_EQ(rcom_wait_change(&word, 0, &w), 0);
    pthread_join(t, NULL);
    /* the variant with a yield interval: 1 (yield every spin) and 0 (never) */
    CHECK_EQ(rcom_spin_until_yield(always_true, NULL, 1000, 1), 1);
    CHECK_EQ(rcom_spin_until_yield(always_false, NULL, 100000, 1), 0);
    CHECK_EQ(rcom_spin_until_yield(always_false, NULL, 100000, 0), 0);
}

static void sets(void)
{
    rashm_nodeset_t a, b, c;
    CHECK_EQ(rashm_nodeset_parse("0-3", &a), 0);
    CHECK_EQ(rashm_nodeset_parse("2-5", &b), 0);
    rashm_nodeset_and(&c, &a, &b);
    char buf[64];
    rashm_nodeset_format(&c, buf, sizeof buf);
    CHECK(!strcmp(buf, "2-3"));
    rashm_nodeset_or(&c, &a, &b);
    rashm_nodeset_format(&c, buf, sizeof buf);
    CHECK(!strcmp(buf, "0-5"));
    rashm_nodeset_andnot(&a, &a, &b);   /* aliasing */
    rashm_nodeset_format(&a, buf, sizeof buf);
    CHECK(!strcmp(buf, "0-1"));
    CHECK(!rashm_nodeset_intersects(&a, &b));
    CHECK(rashm_nodeset_issubset(&a, &c) && !rashm_nodeset_issubset(&c, &a));
    rashm_cpuset_t x, y;
    CHECK_EQ(rashm_cpuset_parse("0,4095", &x), 0);
    CHECK_EQ(rashm_cpuset_count(&x), 2);
    CHECK_EQ(rashm_cpuset_parse("4096", &y), -1);
    CHECK_EQ(errno, EINVAL);
    rashm_cpuset_zero(&y);
    CHECK(rashm_cpuset_isempty(&y) && !rashm_cpuset_intersects(&x, &y) && rashm_cpuset_issubset(&y, &x));
}

/* The calls the core and the AIX face use in place of their own loops over
 * bits[]: the last word of each type counts (a loop that stops one word
 * short, or compares only the first, fails here), and the results may alias
 * an operand as rs_op's r2 op= r1 does. */
static void sets_words(void)
{
    rashm_nodeset_t a, b, c;
    rashm_nodeset_zero(&a);
    rashm_nodeset_zero(&b);
    CHECK(rashm_nodeset_isempty(&a) && rashm_nodeset_equal(&a, &b));
    rashm_nodeset_set(&a, RASHM_MAX_NODES - 1);
    CHECK(!rashm_nodeset_isempty(&a) && !rashm_nodeset_equal(&a, &b));
    CHECK(!rashm_nodeset_issubset(&a, &b) && rashm_nodeset_issubset(&b, &a));
    CHECK_EQ(rashm_nodeset_next(&a, -1), RASHM_MAX_NODES - 1);
    CHECK_EQ(rashm_nodeset_next(&a, RASHM_MAX_NODES - 1), -1);
    rashm_nodeset_set(&b, RASHM_MAX_NODES - 1);
    rashm_nodeset_set(&b, 0);
    CHECK(rashm_nodeset_intersects(&a, &b) && rashm_nodeset_issubset(&a, &b));
    rashm_nodeset_or(&a, &a, &b);      /* a |= b */
    CHECK(rashm_nodeset_equal(&a, &b) && rashm_nodeset_count(&a) == 2);
    rashm_nodeset_clr(&b, 0);
    rashm_nodeset_and(&a, &a, &b);     /* a &= b */
    CHECK(rashm_nodeset_equal(&a, &b) && rashm_nodeset_count(&a) == 1);
    rashm_nodeset_andnot(&c, &a, &b);
    CHECK(rashm_nodeset_isempty(&c));
    rashm_nodeset_andnot(&a, &a, &a);  /* both operands aliased */
    CHECK(rashm_nodeset_isempty(&a));

    rashm_cpuset_t x, y, z;
    CHECK_EQ(rashm_cpuset_parse("64,4095", &x), 0);
    CHECK_EQ(rashm_cpuset_parse("4095", &y), 0);
    CHECK(!rashm_cpuset_equal(&x, &y) && rashm_cpuset_issubset(&y, &x) && !rashm_cpuset_issubset(&x, &y));
    CHECK(rashm_cpuset_intersects(&x, &y));
    rashm_cpuset_and(&z, &x, &y);
    CHECK(rashm_cpuset_equal(&z, &y));
    rashm_cpuset_andnot(&x, &x, &y);   /* x -= y */
    CHECK(!rashm_cpuset_intersects(&x, &y) && rashm_cpuset_count(&x) == 1 && rashm_cpuset_next(&x, -1) == 64);
    rashm_cpuset_or(&y, &y, &x);
    CHECK_EQ(rashm_cpuset_count(&y), 2);
    char buf[32];
    rashm_cpuset_format(&y, buf, sizeof buf);
    CHECK(!strcmp(buf, "64,4095"));
    rashm_cpuset_clr(&y, 64);
    rashm_cpuset_clr(&y, 4095);
    CHECK(rashm_cpuset_isempty(&y) && !rashm_cpuset_equal(&x, &y));
    /* parse leaves *out alone on a refused list */
    CHECK_EQ(rashm_cpuset_parse("3-1", &x), -1);
    CHECK_EQ(rashm_cpuset_count(&x), 1);
    CHECK_EQ(rashm_nodeset_parse("1024", &b), -1);
    CHECK(rashm_nodeset_isset(&b, RASHM_MAX_NODES - 1) && rashm_nodeset_count(&b) == 1);
}

int main(void)
{
    parsers();
    env();
    procfs();
    procfs_span();
    wait_change();
    sets();
    sets_words();
    return check_end();
}
