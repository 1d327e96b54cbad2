// Read-only views of an allocator for people and tools: stats() and layout().
import type { ChunkLayout, PageLayout, SlabLayout, SlabStats } from './api.js';
import type { SlabAllocator } from './allocator.js';
import { pageWaste } from './geometry.js';
import { H, SLOT_OWNED } from './store.js';

export function collectStats(allocator: SlabAllocator): SlabStats {
  const { header } = allocator.store;
  const geometry = allocator.geometry;
  const pages = header[H.mappedPages]!;
  const waste = pageWaste(geometry);
  const inUse = header[H.inUse]!;
  const free = header[H.freeCount]!;
  return {
    mappedBytes: header[H.mappedBytes]!,
    chunks: header[H.mappedChunks]!,
    emptyChunks: header[H.emptyChunks]!,
    pages,
    statesTotal: inUse + free,
    statesInUse: inUse,
    statesFree: free,
    highWater: header[H.highWater]!,
    stride: geometry.stride,
    statesPerPage: geometry.statesPerPage,
    stridePaddingBytes: pages * waste.padding,
    pageTailBytes: pages * waste.tail,
    metadataBytes: allocator.store.byteLength(),
    lastMapFailure: allocator.lastMapFailure,
  };
}

export function collectLayout(allocator: SlabAllocator): SlabLayout {
  const { store, geometry } = allocator;
  const chunks: ChunkLayout[] = [];
  const order: number[] = [];
  for (let chunk = 0; chunk < store.header[H.chunkCount]!; chunk += 1) {
    if (store.chunkMapped[chunk] === 1) order.push(chunk);
  }
  order.sort((a, b) => store.chunkBase[a]! - store.chunkBase[b]!);
  for (const chunk of order) {
    const base = store.chunkBase[chunk]!;
    const pages: PageLayout[] = [];
    for (let page = 0; page < store.chunkPages[chunk]!; page += 1) {
      const slots: Array<'used' | 'free'> = [];
      const first = store.chunkFirstSlot[chunk]! + page * geometry.statesPerPage;
      for (let slot = first; slot < first + geometry.statesPerPage; slot += 1) {
        slots.push(store.slotNext[slot] === SLOT_OWNED ? 'used' : 'free');
      }
      pages.push({ address: BigInt(base + page * geometry.pageSize), slots });
    }
    chunks.push({ address: BigInt(base), byteLength: store.chunkPages[chunk]! * geometry.pageSize, pages });
  }
  return {
    stateSize: geometry.stateSize,
    stride: geometry.stride,
    pageSize: geometry.pageSize,
    statesPerPage: geometry.statesPerPage,
    chunks,
  };
}
