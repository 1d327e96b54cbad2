import { describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import type { Region, StateHandle } from './api.js';
import { SlabError } from './errors.js';
import { SimulatedPageSource } from './simulated-source.js';

function slab(options: Partial<ConstructorParameters<typeof SlabAllocator>[0]> = {}) {
  const source = (options.source as SimulatedPageSource | undefined) ?? new SimulatedPageSource();
  return { source, slab: new SlabAllocator({ stateSize: 144, alignment: 64, ...options, source }) };
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SlabError);
    return (error as SlabError).code;
  }
  return undefined;
}

describe('allocate and free', () => {
  it('hands out distinct states and reuses the most recently freed first (LIFO)', () => {
    const { slab: allocator } = slab();
    const [a, b, c] = [allocator.allocate()!, allocator.allocate()!, allocator.allocate()!];
    expect(new Set([a.address, b.address, c.address]).size).toBe(3);
    allocator.free(a);
    allocator.free(c);
    expect(allocator.allocate()!.address).toBe(c.address);
    expect(allocator.allocate()!.address).toBe(a.address);
  });

  it('frees by bare address as well as by handle', () => {
    const { slab: allocator } = slab();
    const handle = allocator.allocate()!;
    allocator.free(handle.address);
    expect(allocator.stats().statesInUse).toBe(0);
  });

  it('a handle with a stale index is resolved by its address', () => {
    const { slab: allocator } = slab();
    const first = allocator.allocate()!;
    const second = allocator.allocate()!;
    allocator.free({ address: second.address, index: first.index });
    expect(allocator.stats().statesInUse).toBe(1);
    expect(codeOf(() => allocator.free(first))).toBeUndefined();
  });
});

describe('misuse throws a typed error and changes nothing', () => {
  const cases: Array<[string, (allocator: SlabAllocator, held: StateHandle) => void, string]> = [
    ['double free', (allocator, held) => {
      allocator.free(held);
      allocator.free(held);
    }, 'ERR_SLAB_DOUBLE_FREE'],
    ['an address never handed out', (allocator) => allocator.free(0x1000n), 'ERR_SLAB_FOREIGN'],
    ['a negative address', (allocator) => allocator.free(-64n), 'ERR_SLAB_FOREIGN'],
    ['an address past 2^53', (allocator) => allocator.free(1n << 60n), 'ERR_SLAB_FOREIGN'],
    ['an interior address', (allocator, held) => allocator.free(held.address + 8n), 'ERR_SLAB_MISALIGNED'],
    ['an address in the stride padding', (allocator, held) => allocator.free(held.address + 144n), 'ERR_SLAB_MISALIGNED'],
    ['the page tail', (allocator, held) => allocator.free(held.address - (held.address % 4096n) + 4032n), 'ERR_SLAB_MISALIGNED'],
  ];

  it.each(cases)('%s', (_label, misuse, code) => {
    const { slab: allocator } = slab();
    const held = allocator.allocate()!;
    allocator.allocate();
    const before = JSON.stringify(allocator.stats());
    const thrown = codeOf(() => misuse(allocator, held));
    expect(thrown).toBe(code);
    if (code !== 'ERR_SLAB_DOUBLE_FREE') expect(JSON.stringify(allocator.stats())).toBe(before);
    allocator.checkInvariants();
  });

  it('a state whose chunk was reclaimed is foreign, not double-freed', () => {
    const { slab: allocator } = slab({ policy: 'glibc', reclaim: { keepEmpty: 0 } });
    const handle = allocator.allocate()!;
    allocator.free(handle);
    expect(allocator.stats().chunks).toBe(0);
    expect(codeOf(() => allocator.free(handle))).toBe('ERR_SLAB_FOREIGN');
  });

  it('every call after dispose() throws ERR_SLAB_DISPOSED; dispose() again is a no-op', () => {
    const { slab: allocator } = slab();
    const handle = allocator.allocate()!;
    allocator.dispose();
    allocator.dispose();
    expect(allocator.disposed).toBe(true);
    for (const call of [() => allocator.allocate(), () => allocator.free(handle), () => allocator.stats(), () => allocator.layout(), () => allocator.checkInvariants()]) {
      expect(codeOf(call)).toBe('ERR_SLAB_DISPOSED');
    }
  });

  it.each([
    [{ alignment: 48 }, 'ERR_SLAB_INVALID_OPTION'],
    [{ alignment: 8192 }, 'ERR_SLAB_INVALID_OPTION'],
    [{ stateSize: 0 }, 'ERR_SLAB_INVALID_OPTION'],
    [{ stateSize: 1.5 }, 'ERR_SLAB_INVALID_OPTION'],
    [{ policy: 'buddy' as never }, 'ERR_SLAB_INVALID_OPTION'],
    [{ reclaim: { keepEmpty: -1 } }, 'ERR_SLAB_INVALID_OPTION'],
    [{ pageSize: 16384 }, 'ERR_SLAB_INVALID_OPTION'],
    [{ stateSize: 4097 }, 'ERR_SLAB_STATE_TOO_LARGE'],
  ])('rejects options %j with %s', (options, code) => {
    expect(codeOf(() => slab(options))).toBe(code);
  });
});

describe('exhaustion is a result', () => {
  it('returns null when the page source fails, and recovers when it works again', () => {
    const source = new SimulatedPageSource({ failWhen: (number) => (number === 1 ? 'ENOMEM (injected)' : undefined) });
    const { slab: allocator } = slab({ policy: 'glibc', source });
    for (let index = 0; index < 21; index += 1) expect(allocator.allocate()).not.toBeNull();
    expect(allocator.allocate()).toBeNull();
    expect(allocator.stats().lastMapFailure).toBe('ENOMEM (injected)');
    expect(allocator.allocate()).not.toBeNull();
    expect(allocator.stats().lastMapFailure).toBeUndefined();
    allocator.checkInvariants();
  });

  it('returns null beyond maxStates in use', () => {
    const { slab: allocator } = slab({ maxStates: 2 });
    const held = [allocator.allocate(), allocator.allocate()];
    expect(allocator.allocate()).toBeNull();
    allocator.free(held[0]!);
    expect(allocator.allocate()).not.toBeNull();
  });

  it('rejects a misaligned region from a broken page source instead of using it', () => {
    const broken = new SimulatedPageSource();
    const original = broken.map.bind(broken);
    broken.map = (length) => {
      const result = original(length);
      return result.ok ? { ok: true, region: { address: result.region.address + 64n, byteLength: length } } : result;
    };
    broken.unmap = () => {};
    const { slab: allocator } = slab({ source: broken });
    expect(allocator.allocate()).toBeNull();
    expect(allocator.stats().lastMapFailure).toMatch(/page-aligned/);
  });
});

describe('reclaim', () => {
  it('after 10 000 states are allocated and freed, at most keepEmpty chunks stay mapped', () => {
    for (const keepEmpty of [0, 1, 3]) {
      const { slab: allocator, source } = slab({ reclaim: { keepEmpty } });
      const handles = Array.from({ length: 10_000 }, () => allocator.allocate()!);
      expect(allocator.stats().statesInUse).toBe(10_000);
      for (const handle of handles) allocator.free(handle);
      const stats = allocator.stats();
      expect(stats.chunks).toBeLessThanOrEqual(keepEmpty);
      expect(stats.mappedBytes).toBe(source.mappedBytes);
      allocator.checkInvariants();
      allocator.dispose();
      expect(source.liveMappings()).toEqual([]);
    }
  });

  it('keeps one empty chunk so an alloc/free ping-pong does not map and unmap every time', () => {
    const { slab: allocator, source } = slab({ policy: 'glibc' });
    const full = Array.from({ length: 21 }, () => allocator.allocate()!);
    for (let round = 0; round < 100; round += 1) {
      const extra = allocator.allocate()!;
      allocator.free(extra);
    }
    expect(source.counts.maps).toBe(2);
    for (const handle of full) allocator.free(handle);
    expect(source.counts.unmaps).toBe(1);
  });

  it('reclaim: false never unmaps (as glibc, Go and the selftest)', () => {
    const { slab: allocator, source } = slab({ reclaim: false });
    const handles = Array.from({ length: 1000 }, () => allocator.allocate()!);
    for (const handle of handles) allocator.free(handle);
    expect(source.counts.unmaps).toBe(0);
    expect(allocator.stats().statesInUse).toBe(0);
    allocator.dispose();
    expect(source.liveMappings()).toEqual([]);
  });
});

describe('observability', () => {
  it('calls the hooks for every map, unmap, allocate and free', () => {
    const events: string[] = [];
    const hooks = {
      onMap: (region: Region) => events.push(`map ${region.byteLength}`),
      onUnmap: (region: Region) => events.push(`unmap ${region.byteLength}`),
      onAllocate: (handle: StateHandle) => events.push(`allocate ${handle.index}`),
      onFree: (handle: StateHandle) => events.push(`free ${handle.index}`),
    };
    const { slab: allocator } = slab({ hooks, reclaim: { keepEmpty: 0 } });
    const handle = allocator.allocate()!;
    allocator.free(handle);
    expect(events).toEqual(['map 4096', `allocate ${handle.index}`, `free ${handle.index}`, 'unmap 4096']);
  });

  it('layout() shows used and free slots page by page', () => {
    const { slab: allocator } = slab({ policy: 'percpu', cpus: 42 });
    const handles = Array.from({ length: 23 }, () => allocator.allocate()!);
    allocator.free(handles[1]!);
    const layout = allocator.layout();
    expect(layout).toMatchObject({ stateSize: 144, stride: 192, pageSize: 4096, statesPerPage: 21 });
    expect(layout.chunks).toHaveLength(1);
    const [first, second] = layout.chunks[0]!.pages;
    expect(first!.slots.filter((slot) => slot === 'used')).toHaveLength(20);
    expect(first!.slots[1]).toBe('free');
    expect(second!.slots.slice(0, 3)).toEqual(['used', 'used', 'free']);
    expect(second!.address - first!.address).toBe(4096n);
  });

  it('metadata stays at most 16 bytes per state at 10 000 states', () => {
    const { slab: allocator } = slab();
    for (let index = 0; index < 10_000; index += 1) allocator.allocate();
    const stats = allocator.stats();
    expect(stats.metadataBytes / stats.statesTotal).toBeLessThanOrEqual(16);
  });
});
