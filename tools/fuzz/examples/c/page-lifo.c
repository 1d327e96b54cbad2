/*
 * page-lifo: an example vgetrandom state allocator for the fuzz tool's C ABI, shaped like
 * glibc 2.41's: one page a refill, states a stride apart (the state size rounded up to 64
 * bytes), a LIFO array of free states, and a per-slot "held" flag so that it can refuse a
 * double free, a foreign pointer and a pointer inside a state.
 *
 *   cc -shared -fPIC -O2 -o libpage-lifo.so page-lifo.c
 *   npm run fuzz -- slab --allocator-lib ./libpage-lifo.so
 *
 * Planted bugs, one at a time, for the fuzz tool to find:
 *   -DPLANT_STRADDLE            counts ceil(page / stride) states a page: the last one crosses the page end
 *   -DPLANT_DOUBLE_PUSH         vgr_free pushes the state twice: it is handed out to two threads
 *   -DPLANT_NO_DOUBLE_FREE_CHECK  accepts a second free (and the state is then handed out twice)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static size_t state_size, page_size, stride, per_page;
static int map_prot, map_flags;
static uintptr_t *free_states; /* the LIFO array */
static size_t free_len, free_cap;
static uintptr_t *pages; /* every page mapped, to find a pointer's page and unmap at reset */
static unsigned char *held; /* per page, per slot */
static size_t page_count, page_cap;
static long in_use;

int vgr_init(size_t size, size_t page, int prot, int flags) {
    state_size = size;
    page_size = page;
    stride = (size + 63) & ~(size_t)63;
    if (stride > page) return 1;
#ifdef PLANT_STRADDLE
    per_page = (page + stride - 1) / stride;
#else
    per_page = page / stride;
#endif
    map_prot = prot;
    map_flags = flags;
    free_states = NULL;
    free_len = free_cap = 0;
    pages = NULL;
    held = NULL;
    page_count = page_cap = 0;
    in_use = 0;
    return 0;
}

static int push(uintptr_t state) {
    if (free_len == free_cap) {
        size_t cap = free_cap ? 2 * free_cap : 64;
        uintptr_t *grown = realloc(free_states, cap * sizeof *grown);
        if (grown == NULL) return 1;
        free_states = grown;
        free_cap = cap;
    }
    free_states[free_len++] = state;
    return 0;
}

static int refill(void) {
    void *page = mmap(NULL, page_size, map_prot, map_flags, -1, 0);
    if (page == MAP_FAILED) return 1;
    if (page_count == page_cap) {
        size_t cap = page_cap ? 2 * page_cap : 16;
        uintptr_t *grown = realloc(pages, cap * sizeof *grown);
        unsigned char *flags = realloc(held, cap * per_page);
        if (grown == NULL || flags == NULL) { munmap(page, page_size); return 1; }
        pages = grown;
        held = flags;
        page_cap = cap;
    }
    pages[page_count] = (uintptr_t)page;
    memset(held + page_count * per_page, 0, per_page);
    page_count += 1;
    /* Lowest address last, so that the highest slot goes out first, as glibc's does. */
    for (size_t slot = 0; slot < per_page; slot += 1) if (push((uintptr_t)page + slot * stride)) return 1;
    return 0;
}

/* The page and slot of a state pointer, or -1 when it is not the start of a slot of ours. */
static long slot_of(uintptr_t state, size_t *page_index) {
    for (size_t index = 0; index < page_count; index += 1) {
        if (state < pages[index] || state >= pages[index] + page_size) continue;
        uintptr_t offset = state - pages[index];
        if (offset % stride != 0 || offset / stride >= per_page) return -1;
        *page_index = index;
        return (long)(offset / stride);
    }
    return -1;
}

uintptr_t vgr_alloc(void) {
    if (free_len == 0 && refill() != 0) return 0;
    if (free_len == 0) return 0;
    uintptr_t state = free_states[--free_len];
    size_t page;
    long slot = slot_of(state, &page);
    if (slot >= 0) held[page * per_page + (size_t)slot] = 1;
    in_use += 1;
    return state;
}

int vgr_free(uintptr_t state) {
    size_t page;
    long slot = slot_of(state, &page);
    if (slot < 0) return 1; /* foreign, or inside a state */
#ifndef PLANT_NO_DOUBLE_FREE_CHECK
    if (!held[page * per_page + (size_t)slot]) return 2; /* already free */
#endif
    held[page * per_page + (size_t)slot] = 0;
    in_use -= 1;
    if (push(state)) return 3;
#ifdef PLANT_DOUBLE_PUSH
    if (push(state)) return 3;
#endif
    return 0;
}

void vgr_reset(void) {
    for (size_t index = 0; index < page_count; index += 1) munmap((void *)pages[index], page_size);
    free(free_states);
    free(pages);
    free(held);
    free_states = NULL;
    pages = NULL;
    held = NULL;
    free_len = free_cap = page_count = page_cap = 0;
    in_use = 0;
}

long vgr_in_use(void) { return in_use; }

/* Double, foreign and misaligned frees are refused. */
unsigned int vgr_rejects(void) { return 7; }
