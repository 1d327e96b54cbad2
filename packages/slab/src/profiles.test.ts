// Each reference profile reproduces its implementation's layout and hand-out order on a
// simulated page source (tools/oracle checks the same against the real glibc and Go).
import { describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import { type ProfileName, glibcPointerArray, profileSettings } from './profiles.js';
import { SimulatedPageSource } from './simulated-source.js';

const host = { reportedCacheLine: 64, onlineCpus: 2, affinityCpus: 2 };

function run(name: ProfileName, states: number, overrides: Partial<typeof host> & { goarch?: string } = {}) {
  const source = new SimulatedPageSource({ pageSize: 4096 });
  const settings = profileSettings(name, { ...host, ...overrides });
  const slab = new SlabAllocator({ stateSize: 144, source, ...settings });
  const handles = Array.from({ length: states }, () => slab.allocate()!);
  const base = source.liveMappings()[0]?.address ?? 0x7f00_0000_0000n;
  return { slab, offsets: handles.map((handle) => Number(handle.address - base)), settings };
}

describe('reference profiles', () => {
  it('glibc-2.41: 21 states a page at a 192-byte stride, the highest first, then a new page', () => {
    const { offsets, slab } = run('glibc-2.41', 23);
    expect(offsets.slice(0, 3)).toEqual([20 * 192, 19 * 192, 18 * 192]);
    expect(offsets[20]).toBe(0);
    expect(slab.stats()).toMatchObject({ statesPerPage: 21, stride: 192, chunks: 2 });
  });

  it('glibc-2.41 where sysconf reports no line: no padding, 28 states a page', () => {
    const { offsets, slab } = run('glibc-2.41', 2, { reportedCacheLine: 0 });
    expect(offsets).toEqual([27 * 144, 26 * 144]);
    expect(slab.stats().statesPerPage).toBe(28);
  });

  it('go-1.24: ncpu × stride a refill, so 64 CPUs map 3 pages at once and the last state goes first', () => {
    const { slab, offsets } = run('go-1.24', 1, { affinityCpus: 64 });
    expect(slab.stats()).toMatchObject({ pages: 3, statesTotal: 63 });
    expect(offsets[0]).toBe(2 * 4096 + 20 * 192);
  });

  it('go-1.24 on arm64: a 128-byte line, so a 256-byte stride and 16 states a page', () => {
    const { slab, offsets } = run('go-1.24', 1, { goarch: 'arm64' });
    expect(slab.stats()).toMatchObject({ stride: 256, statesPerPage: 16 });
    expect(offsets[0]).toBe(15 * 256);
  });

  it('selftest-6.11: the raw size as stride (28 a page); selftest (6.12+): line-aligned (21 a page)', () => {
    expect(run('selftest-6.11', 1).slab.stats()).toMatchObject({ stride: 144, statesPerPage: 28 });
    expect(run('selftest-6.11', 1).settings.returnsStates).toBe(false);
    expect(run('selftest', 1).slab.stats()).toMatchObject({ stride: 192, statesPerPage: 21 });
  });

  it('adaptive (ours): the lowest slot first', () => {
    expect(run('adaptive', 2).offsets).toEqual([0, 192]);
  });

  it('freed states come back last-freed first, and reference profiles never unmap', () => {
    const { slab } = run('glibc-2.41', 0);
    const first = slab.allocate()!;
    const second = slab.allocate()!;
    slab.free(second);
    slab.free(first);
    expect(slab.allocate()!.address).toBe(first.address);
    expect(slab.stats().chunks).toBe(1);
  });

  it('glibc-2.41 keeps a pointer array that always covers every state', () => {
    // One page holds 512 pointers: enough for 24 refills of 21; the 25th maps 8 KiB.
    expect(glibcPointerArray(1, 21, 4096)).toEqual({ capacity: 512, bytes: 4096 });
    expect(glibcPointerArray(24, 21, 4096)).toEqual({ capacity: 512, bytes: 4096 });
    expect(glibcPointerArray(25, 21, 4096)).toEqual({ capacity: 1024, bytes: 8192 });
  });

  it('an unknown profile or GOARCH is a clear error', () => {
    expect(() => profileSettings('musl' as never, host)).toThrow(/unknown profile/);
    expect(() => profileSettings('go-1.24', { ...host, goarch: 'sparc' })).toThrow(/GOARCH sparc/);
  });
});
