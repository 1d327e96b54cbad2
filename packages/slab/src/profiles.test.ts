// Each reference profile reproduces its implementation's layout and hand-out order on a
// simulated page source (tools/oracle checks the same against the real glibc and Go).
import { describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import { GOARCH_OF_NODE, GO_CACHE_LINE, PROFILE_NAMES, type ProfileName, allocatorOptions, glibcPointerArray, profileSettings } from './profiles.js';
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

describe('every profile\'s settings, exactly', () => {
  const odd = { reportedCacheLine: 64, onlineCpus: 3, affinityCpus: 5 };
  it.each([
    ['glibc-2.41', { policy: 'glibc', alignment: 64, cpus: 1, order: 'highest-first', reclaim: false, returnsStates: true, summary: 'glibc 2.41: one page a refill, stride = size up to 64 B, highest slot first, never unmaps' }],
    ['go-1.24', { policy: 'percpu', alignment: 64, cpus: 5, order: 'highest-first', reclaim: false, returnsStates: true, summary: 'Go 1.24 (amd64): 5 CPUs × stride a refill, line 64 B, last state first, never unmaps' }],
    ['selftest-6.11', { policy: 'percpu', alignment: 1, cpus: 3, order: 'highest-first', reclaim: false, returnsStates: false, summary: 'kernel selftest (6.11): 3 CPUs × raw size a refill, no padding, states never returned' }],
    ['selftest', { policy: 'percpu', alignment: 64, cpus: 3, order: 'highest-first', reclaim: false, returnsStates: false, summary: 'kernel selftest (6.12+): 3 CPUs × stride a refill, line 64 B, states never returned' }],
    ['adaptive', { policy: 'adaptive', alignment: 64, cpus: 3, order: 'lowest-first', reclaim: { keepEmpty: 1 }, returnsStates: true, summary: 'ours: 1, 2, 4, ... pages a refill, lowest slot first, keeps one empty chunk' }],
  ] as const)('%s', (name, expected) => {
    const settings = profileSettings(name, odd);
    expect(settings).toEqual(expected);
    expect(allocatorOptions(settings)).toEqual({ policy: expected.policy, alignment: expected.alignment, cpus: expected.cpus, order: expected.order, reclaim: expected.reclaim });
  });

  it('the profile names, and Node\'s architectures as GOARCH names that all have a Go cache line', () => {
    expect(PROFILE_NAMES).toEqual(['glibc-2.41', 'go-1.24', 'selftest-6.11', 'selftest', 'adaptive']);
    expect(GOARCH_OF_NODE).toEqual({ x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', loong64: 'loong64', ppc64: 'ppc64le', riscv64: 'riscv64', s390x: 's390x', mips: 'mips', mipsel: 'mipsle' });
    for (const goarch of Object.values(GOARCH_OF_NODE)) expect(GO_CACHE_LINE[goarch], goarch).toBeGreaterThan(0);
  });

  it.each([
    [128, 128, 128],
    [48, 1, 64], // not a power of two: glibc and the selftest use no padding, ours 64
    [0, 1, 64],
    [-1, 1, 64],
    [1, 1, 1],
    [2 ** 32 + 64, 1, 64], // a 32-bit bit trick would call this a power of two
  ])('a reported line of %i: glibc and the selftest align to %i, adaptive to %i', (reported, line, adaptive) => {
    const reportedHost = { ...host, reportedCacheLine: reported };
    expect(profileSettings('glibc-2.41', reportedHost).alignment).toBe(line);
    expect(profileSettings('selftest', reportedHost).alignment).toBe(line);
    expect(profileSettings('adaptive', reportedHost).alignment).toBe(adaptive);
  });

  it('the errors name the valid choices', () => {
    expect(() => profileSettings('musl' as never, host)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: 'unknown profile musl; one of glibc-2.41, go-1.24, selftest-6.11, selftest, adaptive' }));
    expect(() => profileSettings('go-1.24', { ...host, goarch: 'sparc' })).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: expect.stringMatching(/^no Go 1\.24 cache line is known for GOARCH sparc; one of (\w+, )+wasm$/) }));
  });
});
