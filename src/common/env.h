/* The one table of every RASHM_* environment variable, and typed getters.
 *
 * Every variable rashm reads is in this table (name, type, default, what it
 * means, the values it accepts); the README's table and `rashm config` are
 * checked against / generated from it (tests/tools/env_table.sh). Values are
 * read with secure_getenv: a set-user-ID or otherwise AT_SECURE process sees
 * none of them. A value that is set but not accepted is an error that names
 * the variable and the accepted values (logged once per value to stderr and
 * returned as -EINVAL), never silently replaced by the default. */
#ifndef RASHM_COMMON_ENV_H
#define RASHM_COMMON_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"

enum rcom_env_type {
    RCOM_ENV_BOOL,      /* 0/1, on/off, yes/no, true/false */
    RCOM_ENV_FLAG,      /* any value switches it on; unset: off */
    RCOM_ENV_INT,       /* decimal or 0x..., in [lo, hi] */
    RCOM_ENV_CHOICE,    /* one of choices[] (aliases map to an index) */
    RCOM_ENV_ABSPATH,   /* an absolute path */
    RCOM_ENV_SIZELIST,  /* a size, or a comma list of sizes (one per node) */
    RCOM_ENV_INTLIST,   /* an integer in [lo, hi], or a comma list of them */
    RCOM_ENV_STRING,    /* free form, checked by its user */
};

/* Who reads it (only for documentation and `rashm config`). */
enum rcom_env_scope { RCOM_ENV_CORE, RCOM_ENV_VE, RCOM_ENV_DEMO, RCOM_ENV_TESTS };

enum rcom_env_id {
    RCOM_ENV_DEFAULT_POLICY,
    RCOM_ENV_BALANCED,
    RCOM_ENV_ENHANCED_AFFINITY,
    RCOM_ENV_SHMAT,
    RCOM_ENV_REGISTRY_DIR,
    RCOM_ENV_DEBUG,
    RCOM_ENV_TOPOLOGY_SYNTHETIC,
    RCOM_ENV_TOPOLOGY_XML,
    RCOM_ENV_VE_NODES,
    RCOM_ENV_VE_MEM_SIZE,
    RCOM_ENV_VE_NUMA_NODE,
    RCOM_ENV_VE_SPIN_US,
    RCOM_ENV_VE_HELPER,
    RCOM_ENV_VE_NO_THP,
    RCOM_ENV_VE_NO_PVM,
    RCOM_ENV_VE_DEBUG,
    RCOM_ENV_VE_DMAATB_DIRS,
    RCOM_ENV_VE_DMAATB_ENTRIES,
    RCOM_ENV_VE_RUNTIME_LIB,
    RCOM_ENV_VE_FAULT,
    RCOM_ENV_VE_TIMEOUT_MS,
    RCOM_ENV_DEMO_VE_LIB,
    RCOM_ENV_COUNT
};

struct rcom_env_choice {
    const char *name;   /* as accepted (case-insensitive) */
    int value;          /* what it means */
};

struct rcom_env_var {
    const char *name;
    enum rcom_env_type type;
    enum rcom_env_scope scope;
    const char *dflt;           /* the default as shown to users */
    const char *meaning;        /* one line */
    const char *accepted;       /* the accepted values, as shown in errors */
    long lo, hi;                /* INT, INTLIST */
    const struct rcom_env_choice *choices; /* CHOICE: terminated by name NULL;
                                              the first entry is the default */
};

RASHM_HIDDEN const struct rcom_env_var *rcom_env_var(enum rcom_env_id id);
/* NULL when name is not a rashm variable. */
RASHM_HIDDEN const struct rcom_env_var *rcom_env_lookup(const char *name);

/* The raw value (secure_getenv), NULL when unset. */
RASHM_HIDDEN const char *rcom_env_raw(enum rcom_env_id id);

/* Checks a value against the variable's type: 0 or -EINVAL with a message
 * "RASHM_X=value is not accepted: <accepted>" in err (when err != NULL). */
RASHM_HIDDEN int rcom_env_validate(enum rcom_env_id id, const char *value, char *err, size_t errlen);

/* Typed getters: 0 with the value (the default when unset or empty), or
 * -EINVAL when set to a value that is not accepted (reported on stderr,
 * once per distinct value, as "rashm: RASHM_X=value is not accepted:
 * <accepted>"). */
RASHM_HIDDEN int rcom_env_bool(enum rcom_env_id id, int *out);
RASHM_HIDDEN int rcom_env_long(enum rcom_env_id id, long *out);
RASHM_HIDDEN int rcom_env_choice(enum rcom_env_id id, int *out);
/* FLAG: 1 when set (to anything), 0 when unset. Never fails. */
RASHM_HIDDEN int rcom_env_flag(enum rcom_env_id id);
/* ABSPATH/STRING: the value, or NULL when unset/empty (*out); -EINVAL when
 * an ABSPATH is not absolute. */
RASHM_HIDDEN int rcom_env_string(enum rcom_env_id id, const char **out);
/* SIZELIST/INTLIST: entry i (a list of one entry applies to every i). */
RASHM_HIDDEN int rcom_env_size_at(enum rcom_env_id id, int i, uint64_t dflt, uint64_t *out);
RASHM_HIDDEN int rcom_env_long_at(enum rcom_env_id id, int i, long dflt, long *out);

/* A vendor's variable that is not rashm's (so not in the table, the README
 * or `rashm config`), e.g. VEO's VE_NODE_NUMBER: an integer in [lo, hi]
 * read with secure_getenv. 0 with the value (dflt when unset or empty), or
 * -EINVAL for a value that is not accepted, reported on stderr as
 * "rashm: NAME=value is not accepted: an integer lo..hi". */
RASHM_HIDDEN int rcom_env_vendor_long(const char *name, long lo, long hi, long dflt, long *out);

/* Reports a bad value (stderr, once per distinct name=value). */
RASHM_HIDDEN void rcom_env_report(enum rcom_env_id id, const char *value);

#endif
