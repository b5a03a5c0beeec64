/* Regression test: a ve_dma_post_wait that finds the next ring slot still
 * held by another post_wait (which has finished its copy but not yet let the
 * slot go) sleeps until something happens on the ring. Letting the slot go
 * must wake it: before the fix only a DMA completion did, and with no further
 * DMA the poster slept forever.
 *
 * The window is made wide on purpose: thread A's post_wait is interrupted by
 * a signal whose handler sleeps 300 ms, so A most likely holds its finished
 * slot while 127 other DMAs go round the ring and thread B's post_wait lands
 * on A's slot. It is a race, so it is tried several times; an alarm turns a
 * hang into a failure. Runs in-process against librashm-ve (no helper). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "vedma.h"

#define BIG (64u << 20)

static uint64_t va, vb;

static void slow_down(int sig)
{
    (void)sig;
    usleep(300000);
}

static void hung(int sig)
{
    static const char m[] = "slot_release: ve_dma_post_wait never returned (lost wake-up)\n";
    (void)sig;
    if (write(2, m, sizeof m - 1) < 0)
        _exit(1);
    _exit(1);
}

static void *thread_a(void *arg)
{
    (void)arg;
    int r = ve_dma_post_wait(vb, va, (int)(BIG - 4));
    return (void *)(intptr_t)r;
}

int main(void)
{
    check_begin();
    CHECK_EQ(ve_dma_init(), 0);
    char *a = aligned_alloc(64u << 20, BIG), *b = aligned_alloc(64u << 20, BIG);
    if (!a || !b)
        return TEST_SKIP;
    memset(a, 1, BIG);
    memset(b, 2, BIG);
    va = ve_register_mem_to_dmaatb(a, BIG);
    vb = ve_register_mem_to_dmaatb(b, BIG);
    CHECK(va != (uint64_t)-1 && vb != (uint64_t)-1);
    signal(SIGUSR1, slow_down);
    signal(SIGALRM, hung);
    for (int rep = 0; rep < 4 && !check_failures; rep++) {
        pthread_t ta;
        pthread_create(&ta, NULL, thread_a, NULL);
        usleep(1000);
        pthread_kill(ta, SIGUSR1);
        static ve_dma_handle_t hs[VE_DMA_NDESC - 1];
        for (int i = 0; i < VE_DMA_NDESC - 1; i++) {
            int r;
            while ((r = ve_dma_post(vb + 4096, va + 4096, 4, &hs[i])) == -EAGAIN)
                usleep(10);
            CHECK_EQ(r, 0);
        }
        for (int i = 0; i < VE_DMA_NDESC - 1; i++)
            CHECK_EQ(ve_dma_wait(&hs[i]), 0);
        alarm(5);
        CHECK_EQ(ve_dma_post_wait(vb + 8192, va + 8192, 4), 0);
        alarm(0);
        void *ra;
        pthread_join(ta, &ra);
        CHECK_EQ((intptr_t)ra, 0);
    }
    CHECK_EQ(ve_unregister_mem_from_dmaatb(va), 0);
    CHECK_EQ(ve_unregister_mem_from_dmaatb(vb), 0);
    free(a);
    free(b);
    return check_end();
}
