// What the first mutation run of slab found untested in the allocator: option errors word for
// word, dispose() everywhere, the high-water mark, hooks on every path, layout() of chunks
// mapped in any order, and a failing unmap.
import { describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import type { MapResult, PageSource, Region } from './api.js';
import { SimulatedPageSource } from './simulated-source.js';

const base = { stateSize: 144, alignment: 64 } as const;

describe('options are refused word for word', () => {
  it.each([
    [{ policy: 'lifo' }, "policy must be 'glibc', 'percpu' or 'adaptive' (got lifo)"],
    [{ pageSize: 8192 }, 'pageSize 8192 differs from the page source\'s 4096'],
    [{ pageSize: 3000 }, 'pageSize must be a power of 2 (got 3000)'],
    [{ alignment: 48 }, 'alignment must be a power of 2 no larger than the page (got 48)'],
    [{ stateSize: 0 }, 'stateSize must be a positive integer (got 0)'],
    [{ cpus: 0 }, 'cpus must be a positive integer (got 0)'],
    [{ maxChunkPages: 1.5 }, 'maxChunkPages must be a positive integer (got 1.5)'],
    [{ maxStates: -1 }, 'maxStates must be a positive integer (got -1)'],
    [{ reclaim: { keepEmpty: -1 } }, 'reclaim.keepEmpty must be a non-negative integer (got -1)'],
    [{ order: 'random' }, "order must be 'lowest-first' or 'highest-first' (got random)"],
  ])('%j', (options, message) => {
    expect(() => new SlabAllocator({ ...base, source: new SimulatedPageSource(), ...(options as object) })).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message }));
  });

  it('accepts the largest maxStates, and reclaim: false', () => {
    const allocator = new SlabAllocator({ ...base, source: new SimulatedPageSource(), maxStates: 2 ** 31 - 1, reclaim: false });
    expect(allocator.maxStates).toBe(2 ** 31 - 1);
    expect(allocator.keepEmpty).toBe(false);
  });
});

describe('after dispose()', () => {
  it.each(['allocate', 'free', 'stats', 'layout', 'checkInvariants'] as const)('%s() says what was called and what to do', (operation) => {
    const allocator = new SlabAllocator({ ...base, source: new SimulatedPageSource() });
    const held = allocator.allocate()!;
    allocator.dispose();
    expect(allocator.disposed).toBe(true);
    const call = { allocate: () => allocator.allocate(), free: () => allocator.free(held), stats: () => allocator.stats(), layout: () => allocator.layout(), checkInvariants: () => allocator.checkInvariants() }[operation];
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_SLAB_DISPOSED', message: `${operation}() after dispose(): create a new allocator` }));
  });

  it('a live allocator says it is not disposed; using it with `using` unmaps every chunk at the end of the block', () => {
    const source = new SimulatedPageSource();
    {
      using allocator = new SlabAllocator({ ...base, source, policy: 'glibc', reclaim: false });
      for (let index = 0; index < 50; index += 1) allocator.allocate();
      expect(allocator.disposed).toBe(false);
      expect(source.liveMappings()).toHaveLength(3);
    }
    expect(source.liveMappings()).toEqual([]);
  });
});

describe('counters and hooks', () => {
  it('the high-water mark only rises', () => {
    const allocator = new SlabAllocator({ ...base, source: new SimulatedPageSource() });
    const held = [allocator.allocate()!, allocator.allocate()!, allocator.allocate()!];
    allocator.free(held[0]!);
    allocator.free(held[1]!);
    allocator.allocate();
    expect(allocator.stats()).toMatchObject({ statesInUse: 2, highWater: 3 });
  });

  it('onFree gets the address and slot of a state freed by bare address; onMap and onUnmap see every region', () => {
    const events: string[] = [];
    const allocator = new SlabAllocator({
      ...base,
      source: new SimulatedPageSource(),
      reclaim: { keepEmpty: 0 },
      hooks: { onMap: (region) => events.push(`map ${region.byteLength}`), onUnmap: (region) => events.push(`unmap ${region.byteLength}`), onFree: (handle) => events.push(`free ${handle.index} 0x${handle.address.toString(16)}`) },
    });
    const held = allocator.allocate()!;
    allocator.free(held.address);
    expect(events).toEqual(['map 4096', `free ${held.index} 0x${held.address.toString(16)}`, 'unmap 4096']);
  });
});

/** A page source that hands out each mapping below the previous one. */
function descending(): PageSource & { unmapFails: boolean } {
  let next = 0x7f00_0010_0000n;
  return {
    pageSize: 4096,
    cacheLineSize: 64,
    cpus: 1,
    unmapFails: false,
    map(byteLength: number): MapResult {
      next -= BigInt(byteLength) + 4096n;
      return { ok: true, region: { address: next, byteLength } } as MapResult;
    },
    unmap(_region: Region) {
      if (this.unmapFails) throw new Error('EINVAL');
    },
  };
}

describe('layout() and unmapping', () => {
  it('lists chunks by address whatever order they were mapped in, with their byte lengths', () => {
    const allocator = new SlabAllocator({ ...base, source: descending(), policy: 'adaptive' });
    for (let index = 0; index < 80; index += 1) allocator.allocate();
    const chunks = allocator.layout().chunks;
    expect(chunks.length).toBeGreaterThan(2);
    const addresses = chunks.map((chunk) => chunk.address);
    expect(addresses).toEqual([...addresses].sort((a, b) => (a < b ? -1 : 1)));
    for (const chunk of chunks) expect(chunk.byteLength).toBe(chunk.pages.length * 4096);
    expect(chunks.reduce((total, chunk) => total + chunk.pages.length, 0)).toBe(allocator.stats().pages);
  });

  it('a failed unmap is recorded and the chunk stays; dispose() reports it as ERR_SLAB_UNMAP_FAILED', () => {
    const source = descending();
    const allocator = new SlabAllocator({ ...base, source, reclaim: { keepEmpty: 0 } });
    const held = allocator.allocate()!;
    source.unmapFails = true;
    allocator.free(held);
    expect(allocator.stats().chunks).toBe(1);
    expect(allocator.lastUnmapFailure).toMatch(/^unmap of 0x[0-9a-f]+ failed: EINVAL$/);
    allocator.checkInvariants();
    expect(() => allocator.dispose()).toThrow(expect.objectContaining({ code: 'ERR_SLAB_UNMAP_FAILED', message: expect.stringMatching(/^unmap of 0x[0-9a-f]+ failed: EINVAL$/), cause: expect.objectContaining({ message: 'EINVAL' }) }));
  });
});

it('layout() lists only mapped chunks: one given back is gone from it', () => {
  const allocator = new SlabAllocator({ ...base, source: new SimulatedPageSource(), policy: 'glibc', reclaim: { keepEmpty: 0 } });
  const held = Array.from({ length: 42 }, () => allocator.allocate()!);
  for (const handle of held.slice(0, 21)) allocator.free(handle);
  const layout = allocator.layout();
  expect(layout.chunks).toHaveLength(1);
  expect(layout.chunks[0]!.pages[0]!.slots.every((slot) => slot === 'used')).toBe(true);
});

describe('handles and addresses that lie', () => {
  it('a handle whose index is not an integer, or past the slots, is resolved by its address', () => {
    const allocator = new SlabAllocator({ ...base, source: new SimulatedPageSource() });
    const first = allocator.allocate()!;
    const second = allocator.allocate()!;
    allocator.free({ address: first.address, index: 0.5 });
    allocator.free({ address: second.address, index: 10_000 });
    expect(allocator.stats().statesInUse).toBe(0);
    allocator.checkInvariants();
  });

  it('a non-BigInt address is ERR_SLAB_FOREIGN, with the value in the message', () => {
    const allocator = new SlabAllocator({ ...base, source: new SimulatedPageSource() });
    allocator.allocate();
    expect(() => allocator.free({ address: 4096, index: -1 } as never)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_FOREIGN', message: '4096 is not an address this allocator handed out' }));
    expect(() => allocator.free(4096 as never)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_FOREIGN', message: 'undefined is not an address this allocator handed out' }));
  });

  it('slot 0 freed last heads the free list and keeps its links when more are freed', () => {
    const allocator = new SlabAllocator({ ...base, source: new SimulatedPageSource() });
    const held = Array.from({ length: 4 }, () => allocator.allocate()!);
    allocator.free(held[0]!);
    allocator.free(held[2]!);
    allocator.checkInvariants();
    expect(allocator.allocate()!.index).toBe(held[2]!.index);
    expect(allocator.allocate()!.index).toBe(held[0]!.index);
  });

  it('hooks with only some callbacks set: the others are simply not called', () => {
    const freed: bigint[] = [];
    const allocator = new SlabAllocator({ ...base, source: new SimulatedPageSource(), reclaim: { keepEmpty: 0 }, hooks: { onFree: (handle) => freed.push(handle.address) } });
    const held = allocator.allocate()!;
    allocator.free(held);
    expect(freed).toEqual([held.address]);
  });

  it('a page source that returns memory past 2^53 is refused like a misaligned one', () => {
    const source = new SimulatedPageSource({ baseAddress: 1n << 53n });
    const allocator = new SlabAllocator({ ...base, source });
    expect(allocator.allocate()).toBeNull();
    expect(allocator.stats().lastMapFailure).toMatch(/^page source returned 4096 bytes at 0x20000000000000; asked for 4096 page-aligned bytes$/);
    expect(source.liveMappings()).toEqual([]);
  });

  it('chunk records are reused as chunks come and go, whatever their sizes', () => {
    const allocator = new SlabAllocator({ ...base, source: new SimulatedPageSource(), policy: 'adaptive', reclaim: { keepEmpty: 0 } });
    for (let round = 0; round < 50; round += 1) {
      const held = Array.from({ length: 10 + ((round * 37) % 90) }, () => allocator.allocate()!);
      allocator.checkInvariants();
      for (const handle of held) allocator.free(handle);
      allocator.checkInvariants();
    }
    // Each round maps at most 4 chunks (1 + 2 + 4 + 8 pages hold 100 states), and all are given back.
    expect(allocator.store.header[4]).toBeLessThanOrEqual(8);
    expect(allocator.stats()).toMatchObject({ chunks: 0, statesInUse: 0 });
  });
});
