/*
 * release-probe: what happens to a thread's vgetrandom state when the thread ends in the middle
 * of a getrandom() call, on the C library this program runs on.
 *
 *   release-probe cancel|return
 *
 * A "spinner" thread calls getrandom(16 bytes) in a loop. With `cancel` it has asynchronous
 * cancellation on and the main thread cancels it after 100 000 calls, so it almost always ends
 * inside a call; with `return` (the control) it is asked to stop and returns between calls.
 * Then three "newcomer" threads start one after another; each makes one call, then 1 000 more,
 * and ends normally. glibc hands an ended thread's state to the next thread that starts, so
 * the newcomers get the spinner's state. After each newcomer's first call and again after its
 * 1 000 calls, the probe prints how many 16-byte granules of the MAP_DROPPABLE pages changed:
 *
 *   newcomer K first N later M
 *
 * A call served by the vDSO always changes its state (the bytes it hands out are wiped from the
 * batch and the position moves), so M = 0 means the newcomer's 1 000 calls never reached the
 * vDSO: every one was a getrandom system call.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static atomic_ulong calls;
static atomic_int stop;

static void draw(void) {
    unsigned char buffer[16];
    if (getrandom(buffer, sizeof buffer, 0) != sizeof buffer) {
        perror("release-probe: getrandom");
        exit(1);
    }
}

static void *spinner(void *cancel) {
    if (cancel != NULL) pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
    while (!atomic_load(&stop)) {
        draw();
        atomic_fetch_add(&calls, 1);
    }
    return NULL;
}

/* The droppable pages and a copy of their bytes. */
struct snapshot { size_t count; unsigned long start[64], end[64]; unsigned char *bytes; };

static void take(struct snapshot *s) {
    FILE *smaps = fopen("/proc/self/smaps", "r");
    if (smaps == NULL) { perror("release-probe: /proc/self/smaps"); exit(1); }
    char line[512];
    unsigned long start = 0, end = 0;
    size_t total = 0;
    s->count = 0;
    while (fgets(line, sizeof line, smaps) != NULL) {
        unsigned long a, b;
        int consumed = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &a, &b, &consumed) == 2 && consumed > 0) { start = a; end = b; continue; }
        if (strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " dp") != NULL && s->count < 64) {
            s->start[s->count] = start;
            s->end[s->count++] = end;
            total += end - start;
        }
    }
    fclose(smaps);
    s->bytes = realloc(s->bytes, total);
    unsigned char *at = s->bytes;
    for (size_t i = 0; i < s->count; i += 1) {
        memcpy(at, (const void *)s->start[i], s->end[i] - s->start[i]);
        at += s->end[i] - s->start[i];
    }
}

/* Granules that differ now from snapshot s (taken while no other thread draws). */
static unsigned long changed(const struct snapshot *s) {
    unsigned long count = 0;
    const unsigned char *before = s->bytes;
    for (size_t i = 0; i < s->count; i += 1) {
        for (unsigned long at = s->start[i]; at < s->end[i]; at += 16, before += 16) if (memcmp(before, (const void *)at, 16) != 0) count += 1;
    }
    return count;
}

static pthread_barrier_t go, done;

static void *newcomer(void *unused) {
    (void)unused;
    pthread_barrier_wait(&go);
    draw();
    pthread_barrier_wait(&done);
    pthread_barrier_wait(&go);
    for (int i = 0; i < 1000; i += 1) draw();
    pthread_barrier_wait(&done);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2 || (strcmp(argv[1], "cancel") != 0 && strcmp(argv[1], "return") != 0)) {
        fprintf(stderr, "usage: release-probe cancel|return\n");
        return 2;
    }
    int cancel = strcmp(argv[1], "cancel") == 0;
    draw();
    pthread_t thread;
    if (pthread_create(&thread, NULL, spinner, cancel ? (void *)1 : NULL) != 0) { perror("release-probe: pthread_create"); return 1; }
    while (atomic_load(&calls) < 100000) ;
    if (cancel) pthread_cancel(thread);
    else atomic_store(&stop, 1);
    pthread_join(thread, NULL);
    pthread_barrier_init(&go, NULL, 2);
    pthread_barrier_init(&done, NULL, 2);
    struct snapshot s = { 0 };
    for (int k = 1; k <= 3; k += 1) {
        if (pthread_create(&thread, NULL, newcomer, NULL) != 0) { perror("release-probe: pthread_create"); return 1; }
        take(&s);
        pthread_barrier_wait(&go);
        pthread_barrier_wait(&done);
        unsigned long first = changed(&s);
        take(&s);
        pthread_barrier_wait(&go);
        pthread_barrier_wait(&done);
        printf("newcomer %d first %lu later %lu\n", k, first, changed(&s));
        pthread_join(thread, NULL);
    }
    free(s.bytes);
    return 0;
}
