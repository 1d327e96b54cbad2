/*
 * glibc-probe: what the C library this program runs on does with vgetrandom states.
 *
 *   glibc-probe THREADS together|one-at-a-time
 *
 * The main thread calls getrandom(), then THREADS threads each call it once and stay alive
 * until the end. After each step (the main thread's call, then every thread's, or all of
 * them at once) it prints, for every MAP_DROPPABLE mapping (VmFlags "dp" in smaps) and every
 * mapping whose name mentions getrandom:
 *
 *   step S vma START END dp|named NAME
 *   step S used START OFFSET...        byte offsets of the nonzero 16-byte granules
 *
 * A state the vDSO has used is never all zero (its key and the rest of its batch are not),
 * so the granules say which slots are in use without knowing the layout.
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
        int named = strstr(name, "getrandom") != NULL;
        if (!droppable && !named) continue;
        printf("step %d vma %lx %lx %s %s\n", step, start, end, droppable ? "dp" : "named", name[0] ? name : "-");
        if (!droppable) continue;
        printf("step %d used %lx", step, start);
        for (unsigned long at = start; at < end; at += 16) {
            const uint64_t *granule = (const uint64_t *)at;
            if (granule[0] != 0 || granule[1] != 0) printf(" %lu", at - start);
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

static void *thread_main(void *unused) {
    (void)unused;
    draw();
    pthread_mutex_lock(&lock);
    called += 1;
    pthread_cond_broadcast(&changed);
    while (!finish) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void wait_for(int count) {
    pthread_mutex_lock(&lock);
    while (called < count) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[2], "together") != 0 && strcmp(argv[2], "one-at-a-time") != 0)) {
        fprintf(stderr, "usage: glibc-probe THREADS together|one-at-a-time\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    int together = strcmp(argv[2], "together") == 0;
    pthread_t *ids = calloc((size_t)threads + 1, sizeof *ids);
    draw();
    snapshot(0);
    for (int i = 0; i < threads; i += 1) {
        if (pthread_create(&ids[i], NULL, thread_main, NULL) != 0) {
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
