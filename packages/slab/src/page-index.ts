// Page number -> chunk id, so free(address) finds its chunk in O(1). Linear probing
// over typed arrays in the store; keys are page number + 1 so a zeroed array is empty.
// Deletion shifts later entries back instead of leaving tombstones.
import { H, type Store } from './store.js';

const TWO_32 = 4294967296;

function slotFor(key: number, mask: number): number {
  // Stryker disable next-line ArithmeticOperator: the mix only spreads keys; any home slot still probes to the right entry
  const mixed = (key % TWO_32) ^ Math.floor(key / TWO_32);
  return (Math.imul(mixed | 0, 0x9e3779b1) >>> 0) & mask;
}

/** The chunk holding page `pageNumber`, or -1. */
export function findPage(store: Store, pageNumber: number): number {
  const keys = store.pageKeys;
  const mask = keys.length - 1;
  const key = pageNumber + 1;
  for (let index = slotFor(key, mask); ; index = (index + 1) & mask) {
    const found = keys[index]!;
    if (found === key) return store.pageChunks[index]!;
    if (found === 0) return -1;
  }
}

/**
 * Makes room for `pages` entries in all, keeping the load at most one half so probes
 * stay short and an empty entry always ends them. Call before insertPage.
 */
export function reservePages(store: Store, pages: number): void {
  if (pages * 2 <= store.pageKeys.length) return;
  let capacity = store.pageKeys.length;
  while (pages * 2 > capacity) capacity *= 2;
  rebuild(store, capacity);
}

/** Adds a page; the caller MUST have reserved room for it. */
export function insertPage(store: Store, pageNumber: number, chunk: number): void {
  if (place(store, pageNumber + 1, chunk)) store.header[H.pageEntries]! += 1;
}

export function removePage(store: Store, pageNumber: number): void {
  const keys = store.pageKeys;
  const chunks = store.pageChunks;
  const mask = keys.length - 1;
  const key = pageNumber + 1;
  let hole = slotFor(key, mask);
  while (keys[hole] !== key) {
    if (keys[hole] === 0) return;
    hole = (hole + 1) & mask;
  }
  keys[hole] = 0;
  store.header[H.pageEntries]! -= 1;
  // Move back any later entry of the run whose home is at or before the hole.
  for (let index = (hole + 1) & mask; keys[index] !== 0; index = (index + 1) & mask) {
    const home = slotFor(keys[index]!, mask);
    const distanceToHole = (hole - home + keys.length) & mask;
    const distanceToIndex = (index - home + keys.length) & mask;
    if (distanceToHole < distanceToIndex) {
      keys[hole] = keys[index]!;
      chunks[hole] = chunks[index]!;
      keys[index] = 0;
      hole = index;
    }
  }
}

/** Sets key -> chunk; true when the key was not there before. */
function place(store: Store, key: number, chunk: number): boolean {
  const keys = store.pageKeys;
  const mask = keys.length - 1;
  let index = slotFor(key, mask);
  while (keys[index] !== 0 && keys[index] !== key) index = (index + 1) & mask;
  const added = keys[index] === 0;
  keys[index] = key;
  store.pageChunks[index] = chunk;
  return added;
}

/** Rebuilds the index at `capacity` from the chunk table (the source of truth). */
export function rebuild(store: Store, capacity: number): void {
  store.resetPageIndex(capacity);
  let entries = 0;
  const pageSize = store.header[H.pageSize]!;
  for (let chunk = 0; chunk < store.header[H.chunkCount]!; chunk += 1) {
    if (store.chunkMapped[chunk] !== 1) continue;
    const firstPage = store.chunkBase[chunk]! / pageSize;
    for (let page = 0; page < store.chunkPages[chunk]!; page += 1) {
      place(store, firstPage + page + 1, chunk);
      entries += 1;
    }
  }
  store.header[H.pageEntries] = entries;
}
