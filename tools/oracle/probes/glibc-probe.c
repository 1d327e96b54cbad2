/*
 * glibc-probe: what the C library this program runs on does with vgetrandom states.
 *
 *   glibc-probe THREADS together|one-at-a-time
 *   glibc-probe scenario EVENTS          EVENTS: '+' (a thread starts) or '-K' (thread K ends),
 *                                        comma-separated, e.g. +,+,-1,+
 *
 * The main thread calls getrandom(), then THREADS threads each call it once and stay alive
 * until the end; or the threads start and end as EVENTS says (threads are numbered from 1 in
 * the order they start; an ending thread is joined before the next step). After each step
 * (the main thread's call, then every thread's, or all of them at once, or every event) it
 * prints, for every MAP_DROPPABLE mapping (VmFlags "dp" in smaps) and every mapping whose
 * name mentions getrandom:
 *
 *   step S vma START END dp|named NAME
 *   step S used START OFFSET...        byte offsets of the nonzero 16-byte granules
 *   step S changed START OFFSET...     byte offsets of the granules that changed in this step
 *
 * A state the vDSO has used is never all zero (its key and the rest of its batch are not),
 * so the granules say which slots are in use without knowing the layout. A returned state
 * keeps its bytes, so which state a new thread took shows only as the granules its one call
 * changed.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int called;
static int finish;
static int *quit; /* scenario: quit[K] asks thread K to end */

/* Every droppable page seen so far, with its bytes at the last snapshot. */
#define PAGE 4096
struct seen { unsigned long address; unsigned char bytes[PAGE]; };
static struct seen *pages;
static size_t page_count, page_capacity;

static unsigned char *previous(unsigned long address) {
    for (size_t i = 0; i < page_count; i += 1) if (pages[i].address == address) return pages[i].bytes;
    if (page_count == page_capacity) {
        page_capacity = page_capacity ? 2 * page_capacity : 64;
        pages = realloc(pages, page_capacity * sizeof *pages);
        if (pages == NULL) { perror("glibc-probe: realloc"); exit(1); }
    }
    pages[page_count].address = address;
    memset(pages[page_count].bytes, 0, PAGE); /* a new anonymous page was all zero */
    return pages[page_count++].bytes;
}

static void snapshot(int step) {
    FILE *smaps = fopen("/proc/self/smaps", "r");
    if (smaps == NULL) {
        perror("glibc-probe: /proc/self/smaps");
        exit(1);
    }
    char line[512];
    unsigned long start = 0, end = 0;
    char name[256] = "";
    while (fgets(line, sizeof line, smaps) != NULL) {
        unsigned long a, b;
        int consumed = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &a, &b, &consumed) == 2 && consumed > 0) {
            start = a;
            end = b;
            snprintf(name, sizeof name, "%s", line + consumed);
            name[strcspn(name, "\n")] = '\0';
            continue;
        }
        if (strncmp(line, "VmFlags:", 8) != 0) continue;
        int droppable = strstr(line, " dp") != NULL;
        int named = strstr(name, "[anon:") != NULL && strstr(name, "getrandom") != NULL;
        if (!droppable && !named) continue;
        printf("step %d vma %lx %lx %s %s\n", step, start, end, droppable ? "dp" : "named", name[0] ? name : "-");
        if (!droppable) continue;
        printf("step %d used %lx", step, start);
        for (unsigned long at = start; at < end; at += 16) {
            const uint64_t *granule = (const uint64_t *)at;
            if (granule[0] != 0 || granule[1] != 0) printf(" %lu", at - start);
        }
        printf("\n");
        printf("step %d changed %lx", step, start);
        for (unsigned long page = start; page < end; page += PAGE) {
            unsigned char *before = previous(page);
            for (unsigned long at = page; at < page + PAGE; at += 16) {
                if (memcmp(before + (at - page), (const void *)at, 16) != 0) printf(" %lu", at - start);
            }
            memcpy(before, (const void *)page, PAGE);
        }
        printf("\n");
    }
    fclose(smaps);
    fflush(stdout);
}

static void draw(void) {
    unsigned char buffer[16];
    if (getrandom(buffer, sizeof buffer, 0) != sizeof buffer) {
        perror("glibc-probe: getrandom");
        exit(1);
    }
}

static void *thread_main(void *number) {
    int self = (int)(long)number;
    draw();
    pthread_mutex_lock(&lock);
    called += 1;
    pthread_cond_broadcast(&changed);
    while (!finish && !(quit != NULL && quit[self])) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void wait_for(int count) {
    pthread_mutex_lock(&lock);
    while (called < count) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
}

/* The scenario: every event a step, each thread ended by joining it (glibc gives its state
 * back before the thread is gone). */
static int scenario(const char *events) {
    size_t starts = 1;
    for (const char *c = events; *c; c += 1) if (*c == '+') starts += 1;
    pthread_t *ids = calloc(starts, sizeof *ids);
    quit = calloc(starts, sizeof *quit);
    if (ids == NULL || quit == NULL) { perror("glibc-probe: calloc"); return 1; }
    draw();
    snapshot(0);
    char *copy = strdup(events);
    int step = 0, started = 0;
    for (char *token = strtok(copy, ","); token != NULL; token = strtok(NULL, ",")) {
        if (strcmp(token, "+") == 0) {
            started += 1;
            if (pthread_create(&ids[started], NULL, thread_main, (void *)(long)started) != 0) { perror("glibc-probe: pthread_create"); return 1; }
            wait_for(started);
        } else if (token[0] == '-' && atoi(token + 1) >= 1 && atoi(token + 1) <= started && !quit[atoi(token + 1)]) {
            int thread = atoi(token + 1);
            pthread_mutex_lock(&lock);
            quit[thread] = 1;
            pthread_cond_broadcast(&changed);
            pthread_mutex_unlock(&lock);
            pthread_join(ids[thread], NULL);
        } else {
            fprintf(stderr, "glibc-probe: '%s' is not an event (+ or -K for a running thread K)\n", token);
            return 2;
        }
        snapshot(++step);
    }
    pthread_mutex_lock(&lock);
    finish = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    for (int i = 1; i <= started; i += 1) if (!quit[i]) pthread_join(ids[i], NULL);
    free(copy);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "scenario") == 0) return scenario(argv[2]);
    if (argc != 3 || (strcmp(argv[2], "together") != 0 && strcmp(argv[2], "one-at-a-time") != 0)) {
        fprintf(stderr, "usage: glibc-probe THREADS together|one-at-a-time\n       glibc-probe scenario +,+,-1,+\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    int together = strcmp(argv[2], "together") == 0;
    pthread_t *ids = calloc((size_t)threads + 1, sizeof *ids);
    draw();
    snapshot(0);
    for (int i = 0; i < threads; i += 1) {
        if (pthread_create(&ids[i], NULL, thread_main, (void *)(long)(i + 1)) != 0) {
            perror("glibc-probe: pthread_create");
            return 1;
        }
        if (!together) {
            wait_for(i + 1);
            snapshot(i + 1);
        }
    }
    if (together) {
        wait_for(threads);
        snapshot(1);
    }
    pthread_mutex_lock(&lock);
    finish = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < threads; i += 1) pthread_join(ids[i], NULL);
    return 0;
}
