// The page index against a Map: inserts and removals in every order, in a table small enough
// that most keys collide and removals must shift later entries back.
import { describe, expect, it } from 'vitest';
import { findPage, insertPage, rebuild, removePage, reservePages } from './page-index.js';
import { H, PrivateStore } from './store.js';

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('page index', () => {
  it.each([1, 2, 3, 4, 5])('agrees with a Map through 2 000 random inserts and removals (seed %i)', (seed) => {
    const random = prng(seed);
    const store = new PrivateStore();
    store.header[H.pageSize] = 4096;
    // Room for every key from the start: reservePages() would rebuild from the (empty) chunk table.
    rebuild(store, 128);
    const model = new Map<number, number>();
    for (let step = 0; step < 2000; step += 1) {
      // Pages from a small range (collisions) and a few far above 2^32 (the high half of the key).
      const page = random() < 0.9 ? Math.floor(random() * 40) : 2 ** 35 + Math.floor(random() * 4);
      if (random() < 0.55) {
        if (!model.has(page)) {
          insertPage(store, page, step);
          model.set(page, step);
        }
      } else {
        removePage(store, page); // absent pages too: a no-op
        model.delete(page);
      }
      expect(store.header[H.pageEntries]).toBe(model.size);
      for (const probe of [page, page + 1, 41, 2 ** 35 + 5]) expect(findPage(store, probe), `page ${probe} at step ${step}`).toBe(model.get(probe) ?? -1);
    }
    for (const [page, chunk] of model) expect(findPage(store, page)).toBe(chunk);
  });

  it('reservePages() keeps the load at most one half, rebuilding from the chunk table', () => {
    const store = new PrivateStore();
    store.header[H.pageSize] = 4096;
    store.ensureChunks(1);
    store.header[H.chunkCount] = 1;
    store.chunkMapped[0] = 1;
    store.chunkBase[0] = 4096 * 100;
    store.chunkPages[0] = 20;
    reservePages(store, 20);
    expect(store.pageKeys.length).toBe(64);
    expect(store.header[H.pageEntries]).toBe(20);
    for (let page = 100; page < 120; page += 1) expect(findPage(store, page)).toBe(0);
    expect(findPage(store, 120)).toBe(-1);
  });
});

describe('removing from a full run of entries', () => {
  it('at half load, every removal order keeps every other page findable (runs of three and more close up)', () => {
    const random = prng(7);
    for (let round = 0; round < 2000; round += 1) {
      const store = new PrivateStore();
      rebuild(store, 16);
      // Eight pages among few page numbers, so runs of colliding entries are common.
      const pages = new Set<number>();
      while (pages.size < 8) pages.add(Math.floor(random() * 64));
      for (const page of pages) insertPage(store, page, page + 100);
      const order = [...pages].sort(() => random() - 0.5);
      const left = new Set(pages);
      for (const page of order) {
        removePage(store, page);
        left.delete(page);
        for (const other of left) expect(findPage(store, other), `round ${round}: page ${other} after removing ${page}`).toBe(other + 100);
        expect(findPage(store, page)).toBe(-1);
      }
    }
  });
});
