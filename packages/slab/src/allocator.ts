// The slab allocator: hands out vgetrandom states from mapped chunks of pages, reusing
// the most recently freed state first (LIFO, as glibc 2.41's vgetrandom_get_state() and
// __getrandom_vdso_release() in sysdeps/unix/sysv/linux/getrandom.c do), growing by a policy and
// unmapping fully free chunks beyond a hysteresis allowance.
//
//   free list (doubly linked through slotPrev/slotNext, head = most recently freed)
//   head -> slot 7 -> slot 3 -> slot 12 -> -1
//
//   chunk c: pages [base, base + pages * pageSize), slots [firstSlot, firstSlot + slots)
//   slot s of chunk c: local = s - firstSlot, page = local / perPage, k = local % perPage
//                      address = base + page * pageSize + k * stride
import type { GrowthPolicy, HandOutOrder, PageSource, Region, SlabHooks, SlabLayout, SlabOptions, SlabStats, StateHandle } from './api.js';
import { verifyInvariants } from './check.js';
import { SLAB_OPTION_FIELDS, checkFields, checkPageSource } from './options.js';
import { collectLayout, collectStats } from './inspect.js';
import { SlabError } from './errors.js';
import { type Geometry, computeGeometry, refillPages } from './geometry.js';
import { findPage, insertPage, rebuild, removePage, reservePages } from './page-index.js';
import { H, LIST_END, PrivateStore, SLOT_OWNED, SLOT_UNMAPPED, type Store } from './store.js';

// User-space addresses are below 2^53 on every 64-bit Linux, so a double holds them exactly.
const MAX_SAFE_ADDRESS = 2 ** 53;
const MAX_SAFE_ADDRESS_BIG = BigInt(MAX_SAFE_ADDRESS);
const NOT_MAPPED = -1;
/** Unmapped chunk records looked at for reuse before a new record is made. */
const REUSE_LOOKAHEAD = 4;
const NOT_A_STATE = -2;

/**
 * The page-respecting slab allocator for vgetrandom states. One allocator serves one
 * thread; see SharedSlabPool for one pool shared by many.
 * @throws SlabError ERR_SLAB_STATE_TOO_LARGE, ERR_SLAB_INVALID_OPTION (constructor);
 *   ERR_SLAB_DOUBLE_FREE, ERR_SLAB_FOREIGN, ERR_SLAB_MISALIGNED, ERR_SLAB_DISPOSED (free);
 *   ERR_SLAB_INVARIANT (checkInvariants).
 */
export class SlabAllocator implements Disposable {
  readonly geometry: Geometry;
  readonly policy: GrowthPolicy;
  readonly source: PageSource;
  /** `false`, or how many fully free chunks stay mapped. */
  readonly keepEmpty: number | false;
  readonly maxStates: number;
  /** @internal The metadata; read it through stats(), layout() and checkInvariants(). */
  readonly store: Store;
  private readonly hooks: SlabHooks | undefined;
  readonly cpus: number;
  readonly maxChunkPages: number;
  readonly order: HandOutOrder;
  /** @internal */
  lastMapFailure: string | undefined;
  /** @internal */
  lastUnmapFailure: string | undefined;

  /**
   * @throws SlabError ERR_SLAB_STATE_TOO_LARGE (stateSize > pageSize),
   *   ERR_SLAB_INVALID_OPTION (non-power-of-two page size or alignment, bad counts).
   */
  constructor(options: SlabOptions, store: Store = new PrivateStore()) {
    checkFields(options, 'options', SLAB_OPTION_FIELDS);
    checkPageSource(options.source, 'options.source');
    if (options.reclaim !== undefined && options.reclaim !== false) checkFields(options.reclaim, 'options.reclaim', { required: [], optional: ['keepEmpty'] });
    if (options.hooks !== undefined) checkFields(options.hooks, 'options.hooks', { required: [], optional: ['onMap', 'onUnmap', 'onAllocate', 'onFree'] });
    const policy = options.policy ?? 'adaptive';
    if (policy !== 'glibc' && policy !== 'percpu' && policy !== 'adaptive') {
      throw new SlabError('ERR_SLAB_INVALID_OPTION', `policy must be 'glibc', 'percpu' or 'adaptive' (got ${String(policy)})`);
    }
    this.policy = policy;
    this.source = options.source;
    const pageSize = options.pageSize ?? options.source.pageSize;
    this.geometry = computeGeometry(options.stateSize, pageSize, options.alignment ?? options.source.cacheLineSize);
    if (pageSize !== options.source.pageSize) {
      throw new SlabError('ERR_SLAB_INVALID_OPTION', `pageSize ${pageSize} differs from the page source's ${options.source.pageSize}`);
    }
    this.cpus = positiveInteger('cpus', options.cpus ?? options.source.cpus);
    this.maxChunkPages = positiveInteger('maxChunkPages', options.maxChunkPages ?? 16);
    // Stryker disable next-line ArithmeticOperator: a default of 2^31 + 1 instead of 2^31 - 1 would show only past 2^31 states (the slot arrays are Int32)
    this.maxStates = positiveInteger('maxStates', options.maxStates ?? 2 ** 31 - 1);
    const reclaim = options.reclaim ?? {};
    this.keepEmpty = reclaim === false ? false : nonNegativeInteger('reclaim.keepEmpty', reclaim.keepEmpty ?? 1);
    this.order = options.order ?? 'lowest-first';
    if (this.order !== 'lowest-first' && this.order !== 'highest-first') {
      throw new SlabError('ERR_SLAB_INVALID_OPTION', `order must be 'lowest-first' or 'highest-first' (got ${String(this.order)})`);
    }
    this.hooks = options.hooks;
    this.store = store;
    if (store.header[H.pageSize] === 0) {
      store.header[H.pageSize] = pageSize;
      store.header[H.freeHead] = -1;
    }
  }

  /**
   * A free state, most recently freed first; maps a new chunk when none is free.
   * Returns null when the page source fails (see stats().lastMapFailure) or maxStates
   * states are in use: exhaustion is a result, not an exception.
   * @throws SlabError ERR_SLAB_DISPOSED after dispose().
   */
  allocate(): StateHandle | null {
    const header = this.store.header;
    if (header[H.disposed] === 1) throw disposedError('allocate');
    if (header[H.inUse]! >= this.maxStates) return null;
    let slot = this.takeFree();
    if (slot < 0) {
      const mapped = this.mapRefill();
      if (mapped === null) return null;
      this.installChunk(mapped.region, mapped.pages);
      slot = this.takeFree();
    }
    const handle: StateHandle = { address: BigInt(this.slotAddress(slot)), index: slot };
    this.hooks?.onAllocate?.(handle);
    return handle;
  }

  /** @internal Pops the free-list head and marks it owned; -1 when the list is empty. */
  takeFree(): number {
    const store = this.store;
    const header = store.header;
    const slot = header[H.freeHead]!;
    if (slot < 0) return -1;
    const next = store.slotNext[slot]!;
    header[H.freeHead] = next;
    if (next >= 0) store.slotPrev[next] = -1;
    store.slotNext[slot] = SLOT_OWNED;
    const chunk = store.slotChunk[slot]!;
    const chunkFree = store.chunkFree[chunk]!;
    if (chunkFree === store.chunkSlots[chunk]) header[H.emptyChunks]! -= 1;
    store.chunkFree[chunk] = chunkFree - 1;
    header[H.freeCount]! -= 1;
    const inUse = (header[H.inUse]! += 1);
    if (inUse > header[H.highWater]!) header[H.highWater] = inUse;
    return slot;
  }

  /**
   * Returns a state to the free list (it becomes the next one handed out). May unmap its
   * chunk if that leaves more than `keepEmpty` chunks fully free.
   * @throws SlabError ERR_SLAB_DOUBLE_FREE, ERR_SLAB_FOREIGN (never handed out here, or its
   *   chunk is unmapped), ERR_SLAB_MISALIGNED (inside or between states), ERR_SLAB_DISPOSED;
   *   a throwing free changes nothing.
   */
  free(state: StateHandle | bigint): void {
    const store = this.store;
    if (store.header[H.disposed] === 1) throw disposedError('free');
    const slot = typeof state === 'bigint' ? this.slotOfAddress(state) : this.slotOf(state);
    if (store.slotNext[slot] !== SLOT_OWNED) {
      throw new SlabError('ERR_SLAB_DOUBLE_FREE', `state 0x${this.slotAddress(slot).toString(16)} (slot ${slot}) is already free`);
    }
    this.freeSlot(slot, typeof state === 'bigint' ? undefined : state);
  }

  /** @internal Frees an owned slot found by the caller; reclaims its chunk if now due. */
  freeSlot(slot: number, handle?: StateHandle): void {
    const store = this.store;
    this.release(slot);
    if (this.hooks?.onFree) this.hooks.onFree(handle ?? { address: BigInt(this.slotAddress(slot)), index: slot });
    const chunk = store.slotChunk[slot]!;
    if (store.chunkFree[chunk] === store.chunkSlots[chunk]) {
      store.header[H.emptyChunks]! += 1;
      if (this.keepEmpty !== false && store.header[H.emptyChunks]! > this.keepEmpty) this.unmapChunk(chunk);
    }
  }

  /**
   * The free states' addresses in the order allocate() would hand them out, at most `limit`
   * of them, changing nothing (the head of the free list first). Without a refill in between,
   * the next `allocate()` returns the first. O(returned).
   * @throws SlabError ERR_SLAB_INVALID_OPTION for a limit that is not a non-negative integer;
   *   ERR_SLAB_DISPOSED after dispose().
   */
  freeOrder(limit: number = Number.MAX_SAFE_INTEGER): bigint[] {
    this.assertLive('freeOrder');
    if (!Number.isSafeInteger(limit) || limit < 0) throw new SlabError('ERR_SLAB_INVALID_OPTION', `freeOrder(limit): limit must be a non-negative integer (got ${String(limit)})`);
    const store = this.store;
    const order: bigint[] = [];
    for (let slot = store.header[H.freeHead]!; slot >= 0 && order.length < limit; slot = store.slotNext[slot]!) order.push(BigInt(this.slotAddress(slot)));
    return order;
  }

  /** Counts, bytes and waste. @throws SlabError ERR_SLAB_DISPOSED after dispose(). */
  stats(): SlabStats {
    this.assertLive('stats');
    return collectStats(this);
  }

  /** Every mapped chunk, page by page, slot by slot. @throws SlabError ERR_SLAB_DISPOSED. */
  layout(): SlabLayout {
    this.assertLive('layout');
    return collectLayout(this);
  }

  /**
   * Verifies every invariant: no two states overlap, none straddles a page, each is
   * aligned and inside its chunk, each is owned XOR on the free list (exactly once), the
   * free list is well linked, counts agree, the page index matches the chunk table, and
   * no more than keepEmpty chunks are fully free. O(states).
   * @throws SlabError ERR_SLAB_INVARIANT naming the first broken invariant.
   */
  checkInvariants(): void {
    this.assertLive('checkInvariants');
    verifyInvariants(this);
  }

  private assertLive(operation: string): void {
    if (this.store.header[H.disposed] === 1) throw disposedError(operation);
  }

  /** True once dispose() ran. */
  get disposed(): boolean {
    return this.store.header[H.disposed] === 1;
  }

  /**
   * Unmaps every chunk. Later calls of anything but dispose() throw ERR_SLAB_DISPOSED.
   * States still in use become invalid: their owners MUST NOT use them again.
   */
  dispose(): void {
    const store = this.store;
    if (store.header[H.disposed] === 1) return;
    for (let chunk = 0; chunk < store.header[H.chunkCount]!; chunk += 1) {
      if (store.chunkMapped[chunk] === 1) this.unmapChunk(chunk, true);
    }
    store.header[H.disposed] = 1;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal Address (as a double: user addresses are below 2^53) of a slot. */
  slotAddress(slot: number): number {
    const store = this.store;
    const { statesPerPage, pageSize, stride } = this.geometry;
    const chunk = store.slotChunk[slot]!;
    const local = slot - store.chunkFirstSlot[chunk]!;
    const page = Math.floor(local / statesPerPage);
    return store.chunkBase[chunk]! + page * pageSize + (local - page * statesPerPage) * stride;
  }

  /** @internal Puts an owned slot back on the free list head. */
  release(slot: number): void {
    const store = this.store;
    const header = store.header;
    const head = header[H.freeHead]!;
    store.slotPrev[slot] = -1;
    store.slotNext[slot] = head;
    if (head >= 0) store.slotPrev[head] = slot;
    header[H.freeHead] = slot;
    store.chunkFree[store.slotChunk[slot]!]! += 1;
    header[H.freeCount]! += 1;
    header[H.inUse]! -= 1;
  }

  /** @internal The slot a handle names (its index when still valid, else by address). */
  slotOf(handle: StateHandle): number {
    const slot = handle.index;
    const store = this.store;
    // Trust the index only if it still names this address; else look the address up.
    if (
      Number.isInteger(slot) &&
      slot >= 0 &&
      slot < store.header[H.slotCount]! &&
      store.slotNext[slot] !== SLOT_UNMAPPED &&
      this.slotAddress(slot) === Number(handle.address)
    ) {
      return slot;
    }
    return this.slotOfAddress(handle.address);
  }

  /** @internal The slot at exactly `address`, or a SlabError saying why there is none. */
  slotOfAddress(address: bigint): number {
    if (typeof address !== 'bigint' || address < 0n || address >= MAX_SAFE_ADDRESS_BIG) {
      throw new SlabError('ERR_SLAB_FOREIGN', `${String(address)} is not an address this allocator handed out`);
    }
    const slot = this.slotAt(Number(address));
    if (slot >= 0) return slot;
    const where = `0x${address.toString(16)}`;
    if (slot === NOT_MAPPED) throw new SlabError('ERR_SLAB_FOREIGN', `${where} is not in any chunk this allocator has mapped`);
    throw new SlabError('ERR_SLAB_MISALIGNED', `${where} is inside a chunk but not at the start of a state (stride ${this.geometry.stride})`);
  }

  /** @internal The slot at `address`, NOT_MAPPED, or NOT_A_STATE. No allocation. */
  slotAt(address: number): number {
    const { pageSize, stride, statesPerPage } = this.geometry;
    const pageNumber = Math.floor(address / pageSize);
    const store = this.store;
    const chunk = findPage(store, pageNumber);
    if (chunk < 0) return NOT_MAPPED;
    const index = (address - pageNumber * pageSize) / stride;
    if (!Number.isInteger(index) || index >= statesPerPage) return NOT_A_STATE;
    const pageInChunk = (pageNumber * pageSize - store.chunkBase[chunk]!) / pageSize;
    return store.chunkFirstSlot[chunk]! + pageInChunk * statesPerPage + index;
  }

  /**
   * @internal Maps the next refill by the policy. Touches no metadata except the
   * failure note, so a shared pool can call it without holding its lock.
   */
  mapRefill(): { region: Region; pages: number } | null {
    const { pageSize } = this.geometry;
    const pages = refillPages(this.geometry, this.policy, {
      cpus: this.cpus,
      maxChunkPages: this.maxChunkPages,
      mappedChunks: this.store.header[H.mappedChunks]!,
    });
    const byteLength = pages * pageSize;
    const result = this.source.map(byteLength);
    if (!result.ok) {
      this.lastMapFailure = result.reason;
      return null;
    }
    const region = result.region;
    if (region.byteLength !== byteLength || region.address % BigInt(pageSize) !== 0n || region.address >= MAX_SAFE_ADDRESS_BIG) {
      this.source.unmap(region);
      this.lastMapFailure = `page source returned ${region.byteLength} bytes at 0x${region.address.toString(16)}; asked for ${byteLength} page-aligned bytes`;
      return null;
    }
    this.lastMapFailure = undefined;
    return { region, pages };
  }

  /** @internal Adds a mapped region as a chunk and pushes its slots in the hand-out order. */
  installChunk(region: Region, pages: number): void {
    const store = this.store;
    const header = store.header;
    const { pageSize, statesPerPage } = this.geometry;
    const slots = pages * statesPerPage;
    // Before the chunk is marked mapped: a rebuild of the index reads the chunk table.
    reservePages(store, header[H.mappedPages]! + pages);
    const chunk = this.chunkRecordFor(pages, slots);
    const first = store.chunkFirstSlot[chunk]!;
    store.chunkBase[chunk] = Number(region.address);
    store.chunkFree[chunk] = slots;
    let head = header[H.freeHead]!;
    // Pushed so that the first to be handed out is the lowest slot, or the highest.
    const highestFirst = this.order === 'highest-first';
    for (let step = 0; step < slots; step += 1) {
      const slot = highestFirst ? first + step : first + slots - 1 - step;
      store.slotChunk[slot] = chunk;
      store.slotPrev[slot] = LIST_END;
      store.slotNext[slot] = head;
      if (head >= 0) store.slotPrev[head] = slot;
      head = slot;
    }
    store.ownerTid?.fill(0, first, first + slots);
    // Marked mapped only once its slots are ready: a repair after an interrupted install
    // then simply does not see the chunk.
    store.chunkMapped[chunk] = 1;
    header[H.freeHead] = head;
    const firstPage = Number(region.address) / pageSize;
    for (let page = 0; page < pages; page += 1) insertPage(store, firstPage + page, chunk);
    header[H.freeCount]! += slots;
    header[H.mappedChunks]! += 1;
    header[H.emptyChunks]! += 1;
    header[H.mappedBytes]! += region.byteLength;
    header[H.mappedPages]! += pages;
    this.hooks?.onMap?.(region);
  }

  /**
   * @internal Rebuilds everything derived (free list, counts, page index) from the chunk
   * table and `isOwned`. Used after a thread died holding a shared pool's lock.
   */
  rebuildDerived(isOwned: (slot: number) => boolean): void {
    const store = this.store;
    const header = store.header;
    const { pageSize } = this.geometry;
    let head = -1;
    let inUse = 0;
    let free = 0;
    let mappedChunks = 0;
    let emptyChunks = 0;
    let mappedBytes = 0;
    let mappedPages = 0;
    let unmapped = 0;
    for (let chunk = 0; chunk < header[H.chunkCount]!; chunk += 1) {
      const first = store.chunkFirstSlot[chunk]!;
      const slots = store.chunkSlots[chunk]!;
      if (store.chunkMapped[chunk] !== 1) {
        for (let slot = first; slot < first + slots; slot += 1) store.slotNext[slot] = SLOT_UNMAPPED;
        store.chunkNextUnmapped[chunk] = unmapped;
        unmapped = chunk + 1;
        continue;
      }
      let chunkFree = 0;
      for (let slot = first + slots - 1; slot >= first; slot -= 1) {
        store.slotChunk[slot] = chunk;
        if (isOwned(slot)) {
          store.slotNext[slot] = SLOT_OWNED;
          inUse += 1;
        } else {
          store.slotPrev[slot] = LIST_END;
          store.slotNext[slot] = head;
          if (head >= 0) store.slotPrev[head] = slot;
          head = slot;
          chunkFree += 1;
        }
      }
      store.chunkFree[chunk] = chunkFree;
      free += chunkFree;
      mappedChunks += 1;
      if (chunkFree === slots) emptyChunks += 1;
      mappedPages += store.chunkPages[chunk]!;
      mappedBytes += store.chunkPages[chunk]! * pageSize;
    }
    header[H.freeHead] = head;
    header[H.unmappedHead] = unmapped;
    header[H.inUse] = inUse;
    header[H.freeCount] = free;
    header[H.mappedChunks] = mappedChunks;
    header[H.emptyChunks] = emptyChunks;
    header[H.mappedBytes] = mappedBytes;
    header[H.mappedPages] = mappedPages;
    rebuild(store, Math.max(16, store.pageKeys.length));
    // Slots the dead thread had half freed are free now, so whole chunks may have become
    // empty without passing through freeSlot(): give back those beyond keepEmpty.
    if (this.keepEmpty === false) return;
    for (let chunk = 0; chunk < header[H.chunkCount]! && header[H.emptyChunks]! > this.keepEmpty; chunk += 1) {
      if (store.chunkMapped[chunk] === 1 && store.chunkFree[chunk] === store.chunkSlots[chunk]) this.unmapChunk(chunk);
    }
  }

  /** Reuses an unmapped chunk record of the same shape (and its slot range), or adds one. */
  /**
   * A chunk record for `pages` pages: an unmapped one of that size among the first
   * REUSE_LOOKAHEAD on the unmapped list, else a new one. O(1): growing never walks the
   * records (0.1.0 scanned every record at every refill).
   */
  private chunkRecordFor(pages: number, slots: number): number {
    const store = this.store;
    const header = store.header;
    const count = header[H.chunkCount]!;
    let previous = 0;
    let entry = header[H.unmappedHead]!;
    for (let step = 0; entry !== 0 && step < REUSE_LOOKAHEAD; step += 1) {
      const chunk = entry - 1;
      if (store.chunkPages[chunk] === pages) {
        const next = store.chunkNextUnmapped[chunk]!;
        if (previous === 0) header[H.unmappedHead] = next;
        else store.chunkNextUnmapped[previous - 1] = next;
        store.chunkNextUnmapped[chunk] = 0;
        return chunk;
      }
      previous = entry;
      entry = store.chunkNextUnmapped[chunk]!;
    }
    store.ensureChunks(count + 1);
    const first = header[H.slotCount]!;
    store.ensureSlots(first + slots);
    store.chunkPages[count] = pages;
    store.chunkSlots[count] = slots;
    store.chunkFirstSlot[count] = first;
    header[H.slotCount] = first + slots;
    header[H.chunkCount] = count + 1;
    return count;
  }

  /** Unlinks a fully free chunk's slots and unmaps it; keeps it if the source refuses. */
  private unmapChunk(chunk: number, disposing = false): void {
    const store = this.store;
    const header = store.header;
    const { pageSize } = this.geometry;
    const region: Region = { address: BigInt(store.chunkBase[chunk]!), byteLength: store.chunkPages[chunk]! * pageSize };
    try {
      this.source.unmap(region);
    } catch (cause) {
      this.lastUnmapFailure = `unmap of 0x${region.address.toString(16)} failed: ${(cause as Error).message}`;
      if (disposing) throw new SlabError('ERR_SLAB_UNMAP_FAILED', this.lastUnmapFailure, { cause });
      return;
    }
    // Mark it unmapped first: an index rebuild below reads the chunk table.
    store.chunkMapped[chunk] = 0;
    store.chunkNextUnmapped[chunk] = header[H.unmappedHead]!;
    header[H.unmappedHead] = chunk + 1;
    const first = store.chunkFirstSlot[chunk]!;
    const slots = store.chunkSlots[chunk]!;
    let free = 0;
    for (let slot = first; slot < first + slots; slot += 1) {
      const next = store.slotNext[slot]!;
      if (next >= LIST_END) {
        const prev = store.slotPrev[slot]!;
        if (prev >= 0) store.slotNext[prev] = next;
        else header[H.freeHead] = next;
        if (next >= 0) store.slotPrev[next] = prev;
        free += 1;
      }
      store.slotNext[slot] = SLOT_UNMAPPED;
    }
    const firstPage = store.chunkBase[chunk]! / pageSize;
    for (let page = 0; page < store.chunkPages[chunk]!; page += 1) removePage(store, firstPage + page);
    if (header[H.pageEntries] === 0) rebuild(store, 16);
    if (store.chunkFree[chunk] === slots) header[H.emptyChunks]! -= 1;
    header[H.inUse]! -= slots - free;
    header[H.freeCount]! -= free;
    header[H.mappedChunks]! -= 1;
    header[H.mappedBytes]! -= region.byteLength;
    header[H.mappedPages]! -= store.chunkPages[chunk]!;
    store.chunkFree[chunk] = 0;
    this.hooks?.onUnmap?.(region);
  }
}

function disposedError(operation: string): SlabError {
  return new SlabError('ERR_SLAB_DISPOSED', `${operation}() after dispose(): create a new allocator`);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new SlabError('ERR_SLAB_INVALID_OPTION', `${name} must be a positive integer (got ${String(value)})`);
  }
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SlabError('ERR_SLAB_INVALID_OPTION', `${name} must be a non-negative integer (got ${String(value)})`);
  }
  return value;
}
