/*
 * bitmap: an example vgetrandom state allocator for the fuzz tool's C ABI: chunks of two
 * pages, one bit a slot, the lowest free slot first, a count of states in use, and a
 * self-check (vgr_check) that the bits and the count agree.
 *
 *   cc -shared -fPIC -O2 -o libbitmap.so bitmap.c
 *   npm run fuzz -- slab --allocator-lib ./libbitmap.so
 *
 * Planted bugs, one at a time, for the fuzz tool to find:
 *   -DPLANT_FREE_WRONG_BIT     vgr_free clears the neighbour's bit: a held state is handed out again
 *   -DPLANT_IN_USE_DRIFT       freeing a chunk's first slot forgets to lower the count
 *   -DPLANT_ACCEPTS_INTERIOR   a pointer inside a state frees that state instead of being refused
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define CHUNK_PAGES 2
#define MAX_CHUNKS 4096

struct chunk { uintptr_t base; uint64_t bits[8]; };

static size_t state_size, page_size, stride, per_page, per_chunk;
static int map_prot, map_flags;
static struct chunk *chunks;
static size_t chunk_count;
static long in_use;

int vgr_init(size_t size, size_t page, int prot, int flags) {
    state_size = size;
    page_size = page;
    stride = (size + 63) & ~(size_t)63;
    if (stride > page) return 1;
    per_page = page / stride;
    per_chunk = per_page * CHUNK_PAGES;
    if (per_chunk > 8 * 64) return 2;
    map_prot = prot;
    map_flags = flags;
    chunks = calloc(MAX_CHUNKS, sizeof *chunks);
    chunk_count = 0;
    in_use = 0;
    return chunks == NULL ? 3 : 0;
}

static uintptr_t address_of(size_t chunk, size_t slot) {
    return chunks[chunk].base + (slot / per_page) * page_size + (slot % per_page) * stride;
}

static int test_bit(size_t chunk, size_t slot) { return (chunks[chunk].bits[slot / 64] >> (slot % 64)) & 1; }
static void set_bit(size_t chunk, size_t slot) { chunks[chunk].bits[slot / 64] |= (uint64_t)1 << (slot % 64); }
static void clear_bit(size_t chunk, size_t slot) { chunks[chunk].bits[slot / 64] &= ~((uint64_t)1 << (slot % 64)); }

uintptr_t vgr_alloc(void) {
    for (size_t chunk = 0; chunk < chunk_count; chunk += 1) {
        for (size_t slot = 0; slot < per_chunk; slot += 1) {
            if (!test_bit(chunk, slot)) {
                set_bit(chunk, slot);
                in_use += 1;
                return address_of(chunk, slot);
            }
        }
    }
    if (chunk_count == MAX_CHUNKS) return 0;
    void *base = mmap(NULL, CHUNK_PAGES * page_size, map_prot, map_flags, -1, 0);
    if (base == MAP_FAILED) return 0;
    chunks[chunk_count].base = (uintptr_t)base;
    set_bit(chunk_count, 0);
    in_use += 1;
    return address_of(chunk_count++, 0);
}

int vgr_free(uintptr_t state) {
    for (size_t chunk = 0; chunk < chunk_count; chunk += 1) {
        uintptr_t base = chunks[chunk].base;
        if (state < base || state >= base + CHUNK_PAGES * page_size) continue;
        uintptr_t in_page = (state - base) % page_size;
        size_t page = (state - base) / page_size;
#ifdef PLANT_ACCEPTS_INTERIOR
        in_page -= in_page % stride;
#endif
        if (in_page % stride != 0 || in_page / stride >= per_page) return 1;
        size_t slot = page * per_page + in_page / stride;
        if (!test_bit(chunk, slot)) return 2;
#ifdef PLANT_FREE_WRONG_BIT
        clear_bit(chunk, slot + 1 < per_chunk ? slot + 1 : slot);
#else
        clear_bit(chunk, slot);
#endif
#ifdef PLANT_IN_USE_DRIFT
        if (slot != 0) in_use -= 1;
#else
        in_use -= 1;
#endif
        return 0;
    }
    return 1;
}

void vgr_reset(void) {
    for (size_t chunk = 0; chunk < chunk_count; chunk += 1) munmap((void *)chunks[chunk].base, CHUNK_PAGES * page_size);
    free(chunks);
    chunks = NULL;
    chunk_count = 0;
    in_use = 0;
}

long vgr_in_use(void) { return in_use; }

/* 0 when the bits set add up to the count in use. */
int vgr_check(void) {
    long set = 0;
    for (size_t chunk = 0; chunk < chunk_count; chunk += 1)
        for (size_t slot = 0; slot < per_chunk; slot += 1) set += test_bit(chunk, slot);
    return set == in_use ? 0 : 1;
}

/* Double, foreign and misaligned frees are refused. */
unsigned int vgr_rejects(void) { return 7; }
