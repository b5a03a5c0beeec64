/* Progress bar for long populates: drawn on stderr, only when stderr is a
 * terminal (so scripts and logs never see carriage returns). */
#include "cli.h"

#include <inttypes.h>

void progress_init(struct progress *p, const char *label, uint64_t total, bool enabled)
{
    p->enabled = enabled && total > 0;
    p->total = total;
    p->last_pct = -1;
    p->label = label;
}

void progress_update(struct progress *p, uint64_t done)
{
    char bar[64];
    int pct;

    if (!p->enabled)
        return;
    if (done > p->total)
        done = p->total;
    pct = (int)(done * 100 / p->total);
    if (pct == p->last_pct)
        return;               /* redraw only when the figure changes */
    p->last_pct = pct;
    fmt_bar(done, p->total, 40, bar, sizeof bar);
    fprintf(stderr, "\r%s [%s] %3d%%", p->label, bar, pct);
    fflush(stderr);
}

void progress_done(struct progress *p)
{
    if (!p->enabled)
        return;
    progress_update(p, p->total);
    fputc('\n', stderr);
}
