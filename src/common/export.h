/* The one export macro pair of every rashm library.
 *
 * Every library is compiled with -fvisibility=hidden, so a symbol is
 * internal unless marked RASHM_API; RASHM_HIDDEN is for declarations that
 * must stay internal even where a translation unit is built without that
 * flag (the fuzz targets, the tests that link objects directly). A version
 * script per library (src/<lib>/<lib>.map) is the second fence: it exports only
 * the names listed in tests/abi/<lib>.syms. The public headers in include/
 * carry the same definitions guarded by #ifndef so that they do not depend
 * on this file. */
#ifndef RASHM_COMMON_EXPORT_H
#define RASHM_COMMON_EXPORT_H

#ifndef RASHM_API
#define RASHM_API __attribute__((visibility("default")))
#endif
#ifndef RASHM_HIDDEN
#define RASHM_HIDDEN __attribute__((visibility("hidden")))
#endif

#endif
