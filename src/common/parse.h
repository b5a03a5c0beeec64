/* One parser for the numbers, sizes and lists rashm reads from users:
 * environment variables, command lines, sysfs.
 *
 * Numbers are decimal unless written 0x... (never octal: "010" is ten).
 * Sizes take an optional K/M/G/T suffix (binary multiples) with an optional
 * "i" and/or "B" after it: 64M, 2G, 2GiB, 0x200000.
 * Id lists (nodes, CPUs) are the kernel's format: "0-3,8,10-11". */
#ifndef RASHM_COMMON_PARSE_H
#define RASHM_COMMON_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"

/* 0 or -EINVAL (syntax, out of [lo, hi]). */
RASHM_HIDDEN int rcom_parse_long(const char *s, long lo, long hi, long *out);
RASHM_HIDDEN int rcom_parse_u64(const char *s, uint64_t *out);

/* A size, > 0 unless allow_zero. 0 or -EINVAL (also on overflow). */
RASHM_HIDDEN int rcom_parse_size(const char *s, int allow_zero, uint64_t *out);

/* Calls add(ctx, id) for every id of the list, each in [0, max). Returns 0,
 * -EINVAL (syntax, a range backwards, an id >= max, an empty list) or what
 * add returned when that was negative. */
RASHM_HIDDEN int rcom_parse_idlist(const char *s, unsigned max, int (*add)(void *ctx, unsigned id), void *ctx);

/* The same into a bit array of max bits (words of 64 bits, zeroed first). */
RASHM_HIDDEN int rcom_parse_idmask(const char *s, unsigned max, uint64_t *bits);

/* The i-th entry of a comma separated list copied to buf; a list of one
 * entry applies to every i. NULL when there is no such entry or it does not
 * fit. */
RASHM_HIDDEN const char *rcom_list_item(const char *list, int i, char *buf, size_t len);

#endif
