/* Borrowing 2 MiB huge pages from the kernel's pool by delta.
 *
 * vm.nr_hugepages is one number for the whole machine. A program that sets
 * it to an absolute value (the old value + what it needs, then the old value
 * again) overwrites whatever anything else did meanwhile: two such programs
 * running at once leave the pool too small or too large. So every rashm
 * program that grows the pool (the test wrapper, the demos, the benchmarks,
 * tests that need a pool of an exact size) follows one protocol:
 *
 *   - under an flock on RCOM_HP_DIR/hugepages.lock, read the knob and write
 *     it plus N; give back by writing it minus N under the same lock;
 *   - each loan is written down in RCOM_HP_DIR/hugepages.d/<pid>.<start
 *     time> holding N, so that a borrower killed before it gave back (a
 *     ctest timeout, ^C) is found: the next borrower or returner lowers the
 *     pool by that record's N for it;
 *   - RCOM_HP_DIR and the ledger are root's (created 0700, verified with
 *     lstat): a record another user could plant would steer how far root
 *     lowers the pool.
 *
 * Root only (the knob is root's). A process may hold several loans. */
#ifndef RASHM_COMMON_HUGEPOOL_H
#define RASHM_COMMON_HUGEPOOL_H

#include <sys/types.h>

#include "export.h"
#include "procfs.h"

#define RCOM_HP_DIR "/run/rashm-tests"
#define RCOM_HP_KNOB "/proc/sys/vm/nr_hugepages"

struct rcom_hp_loan {
    long pages;         /* 0: nothing borrowed */
    char record[96];    /* the ledger record of this loan */
};

/* What rcom_hp_return saw, for callers that report anomalies. */
struct rcom_hp_report {
    long knob_before;   /* vm.nr_hugepages before lowering */
    long lent_live;     /* pages lent to borrowers still alive, this loan included */
    long surplus_before, surplus_after; /* HugePages_Surp around the lowering */
};

/* One attempt to grow the pool by `pages`. 0: the kernel grew it by at
 * least that much and the loan is recorded. -ENOMEM: it found fewer free
 * 2 MiB blocks; the pool is back where it was and nothing is recorded
 * (compacting memory and trying again may help: rcom_hp_borrow_retry).
 * -EPERM: RCOM_HP_DIR is not root's alone. -EACCES/-EROFS/...: the knob
 * cannot be written (not root). pages == 0 borrows nothing and returns 0. */
RASHM_HIDDEN int rcom_hp_borrow(long pages, struct rcom_hp_loan *loan);

/* rcom_hp_borrow, after -ENOMEM compacting memory and trying again up to
 * `attempts` times, `pause_ms` apart. */
RASHM_HIDDEN int rcom_hp_borrow_retry(long pages, int attempts, int pause_ms, struct rcom_hp_loan *loan);

/* Makes at least `pages` huge pages free: borrows the difference when fewer
 * are free (loan->pages tells how many were borrowed, 0 when none were
 * needed). Same returns as rcom_hp_borrow. */
RASHM_HIDDEN int rcom_hp_ensure_free(long pages, struct rcom_hp_loan *loan);

/* Gives the loan back (lowers the pool by loan->pages, never below 0) and
 * removes its record; loan->pages becomes 0. report may be NULL. Returns 0,
 * or -errno when the lock cannot be had: the pages then stay borrowed and
 * the next borrower or returner gives them back once this process is gone. */
RASHM_HIDDEN int rcom_hp_return(struct rcom_hp_loan *loan, struct rcom_hp_report *report);

/* The first number in a file (a sysctl, a cgroup counter), -1 when there is
 * none; writing one: 0 or -errno. */
RASHM_HIDDEN long rcom_read_long(const char *path);
RASHM_HIDDEN int rcom_write_long(const char *path, long v);

/* rcom_meminfo: src/common/procfs.h */

#endif
