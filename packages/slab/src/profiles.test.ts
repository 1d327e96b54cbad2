// Each reference profile reproduces its implementation's layout and hand-out order on a
// simulated page source (tools/oracle checks the same against the real glibc and Go).
import { describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import { GOARCH_OF_NODE, GO_CACHE_LINE, GO_VDSO_GOARCHES, PROFILE_NAMES, type ProfileName, allocatorOptions, glibcPointerArray, profileSettings } from './profiles.js';
import { SimulatedPageSource } from './simulated-source.js';

const host = { reportedCacheLine: 64, onlineCpus: 2, affinityCpus: 2 };

function run(name: ProfileName, states: number, overrides: Partial<typeof host> & { goarch?: string } = {}) {
  const source = new SimulatedPageSource({ pageSize: 4096 });
  const settings = profileSettings(name, { ...host, ...overrides });
  const slab = new SlabAllocator({ stateSize: 144, source, ...allocatorOptions(settings) });
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
    // 6.11 puts a thread's state back from a pthread key destructor; 6.12 keeps it in a
    // __thread variable and never puts it back.
    expect(run('selftest-6.11', 1).settings.returnsStates).toBe(true);
    expect(run('selftest', 1).settings.returnsStates).toBe(false);
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
    ['selftest-6.11', { policy: 'percpu', alignment: 1, cpus: 3, order: 'highest-first', reclaim: false, returnsStates: true, summary: 'kernel selftest (6.11): 3 CPUs × raw size a refill, no padding, states returned at thread exit' }],
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
    for (const goarch of GO_VDSO_GOARCHES) expect(GO_CACHE_LINE[goarch], goarch).toBeGreaterThan(0);
  });

  it.each([
    [128, 128, 128, 128],
    [48, 1, 1, 64], // not a power of two: glibc no padding; the selftest's mask gives 144 here, ours 64
    [0, 1, 1, 64],
    [-1, 1, 'refuses', 64], // the selftest's ?: 1 keeps -1: a stride of 0, which it divides by
    [1, 1, 1, 1],
    [2 ** 32 + 64, 1, 64, 64], // the selftest's 64-bit mask arithmetic gives a 192-byte stride
  ] as const)('a reported line of %i: glibc aligns to %i, the 6.12 selftest to %s, adaptive to %i', (reported, glibc, selftest, adaptive) => {
    const reportedHost = { ...host, reportedCacheLine: reported };
    expect(profileSettings('glibc-2.41', reportedHost).alignment).toBe(glibc);
    if (selftest === 'refuses') expect(() => profileSettings('selftest', reportedHost)).toThrow(/stride of 0/);
    else expect(profileSettings('selftest', reportedHost).alignment).toBe(selftest);
    expect(profileSettings('adaptive', reportedHost).alignment).toBe(adaptive);
  });

  it('the 6.12 selftest\'s stride is its own 64-bit arithmetic: (size + line - 1) & ~(line - 1)', () => {
    const stride = (size: number, line: number) => {
      const mask = (1n << 64n) - 1n;
      const wide = line === 0 ? 1n : BigInt(line) & mask;
      return Number((BigInt(size) + wide - 1n) & mask & (~(wide - 1n) & mask));
    };
    for (const size of [144, 200, 256, 100]) {
      for (const line of [0, 1, 16, 32, 48, 64, 96, 128, 256]) {
        const theirs = stride(size, line);
        let settings;
        try {
          settings = profileSettings('selftest', { ...host, reportedCacheLine: line, stateSize: size });
        } catch (error) {
          // A stride no power-of-two alignment gives (200 B with a 96 B line: 288) is refused, naming it.
          expect((error as Error).message, `size ${size}, line ${line}`).toContain(`a stride of ${theirs},`);
          continue;
        }
        expect(Math.ceil(size / settings.alignment) * settings.alignment, `size ${size}, line ${line}`).toBe(theirs);
      }
    }
  });

  it('go-1.24 refuses the GOARCHes where Go 1.24 has no vDSO getrandom, naming the build constraint', () => {
    for (const goarch of ['arm', '386', 'mips', 'mipsle', 'mips64', 'mips64le', 'riscv64', 'wasm']) {
      expect(() => profileSettings('go-1.24', { ...host, goarch }), goarch).toThrow(/no vDSO getrandom on GOARCH .*vgetrandom_linux\.go builds only for amd64, arm64, arm64be, ppc64, ppc64le, loong64, s390x/);
    }
    for (const goarch of GO_VDSO_GOARCHES) expect(profileSettings('go-1.24', { ...host, goarch }).policy, goarch).toBe('percpu');
  });

  it('the errors name the valid choices', () => {
    expect(() => profileSettings('musl' as never, host)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: 'unknown profile musl; one of glibc-2.41, go-1.24, selftest-6.11, selftest, adaptive' }));
    expect(() => profileSettings('go-1.24', { ...host, goarch: 'sparc' })).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: expect.stringMatching(/^no Go 1\.24 cache line is known for GOARCH sparc; one of (\w+, )+wasm$/) }));
  });
});

describe('the 6.12 selftest where its arithmetic breaks', () => {
  const host = { reportedCacheLine: 64, onlineCpus: 2, affinityCpus: 2 };

  it('a reported line of -1 (size_t all ones) makes its stride 0, which it divides by: refused, saying so', () => {
    expect(() => profileSettings('selftest', { ...host, reportedCacheLine: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: 'with a reported cache line of -1 the 6.12 selftest computes a stride of 0 (its `?: 1` maps only 0) and divides by it; it cannot run here' }),
    );
  });

  it('a line whose stride no power of two gives (129: stride 272) is refused, naming the stride', () => {
    expect(() => profileSettings('selftest', { ...host, reportedCacheLine: 129 })).toThrow(
      expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: 'with a reported cache line of 129 the 6.12 selftest computes a stride of 272, which no power-of-two alignment of a 144-byte state gives' }),
    );
  });

  it('takes the largest line it searches, 2^30', () => {
    expect(profileSettings('selftest', { ...host, reportedCacheLine: 2 ** 30 }).alignment).toBe(2 ** 30);
  });

  it('go-1.24 refuses a GOARCH without vDSO getrandom with the option code', () => {
    expect(() => profileSettings('go-1.24', { ...host, goarch: 'riscv64' })).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION' }));
  });
});

