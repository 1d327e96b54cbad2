// Options objects that lie or are misspelt are refused, naming the field: a ProfileHost, the
// allocator's and the shared pool's options, a PageSource, reclaim and hooks, and the
// simulated source's options. Before, `profileSettings('go-1.24', { cacheLineSize: 64, cpus: 2 })`
// answered alignment 1 and one CPU without a word.
import { describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import { profileSettings } from './profiles.js';
import { SharedSlabPool } from './shared-pool.js';
import { SimulatedPageSource } from './simulated-source.js';

const invalid = (message: string | RegExp) => expect.objectContaining({ name: 'SlabError', code: 'ERR_SLAB_INVALID_OPTION', message: typeof message === 'string' ? message : expect.stringMatching(message) });
const host = { reportedCacheLine: 64, onlineCpus: 2, affinityCpus: 2 };

describe('profileSettings(name, host)', () => {
  it("refuses the issue's wrong shape, naming the first missing field", () => {
    expect(() => profileSettings('go-1.24', { cacheLineSize: 64, cpus: 2 } as never)).toThrow(invalid('host.reportedCacheLine is missing: host needs reportedCacheLine, onlineCpus, affinityCpus'));
  });

  it.each(['reportedCacheLine', 'onlineCpus', 'affinityCpus'] as const)('refuses a host without %s, or with it undefined', (field) => {
    const { [field]: _dropped, ...rest } = host;
    expect(() => profileSettings('selftest', rest as never)).toThrow(invalid(new RegExp(`^host\\.${field} is missing`)));
    expect(() => profileSettings('selftest', { ...host, [field]: undefined } as never)).toThrow(invalid(new RegExp(`^host\\.${field} is missing`)));
  });

  it('refuses an unknown field, listing the known ones', () => {
    expect(() => profileSettings('adaptive', { ...host, cpus: 2 } as never)).toThrow(invalid('host.cpus is not an option; the options are reportedCacheLine, onlineCpus, affinityCpus, goarch, stateSize'));
  });

  it.each([
    ['onlineCpus', '2', "host.onlineCpus must be a number (got '2')"],
    ['reportedCacheLine', Number.NaN, 'host.reportedCacheLine must be a number (got NaN)'],
    ['affinityCpus', null, 'host.affinityCpus must be a number (got null)'],
    ['stateSize', 144n, 'host.stateSize must be a number (got 144)'],
    ['goarch', 64, "host.goarch must be a GOARCH name such as 'amd64' (got 64)"],
  ])('refuses %s of the wrong type', (field, value, message) => {
    expect(() => profileSettings('go-1.24', { ...host, [field]: value } as never)).toThrow(invalid(message));
  });

  it.each([
    [null, 'null'],
    [undefined, 'undefined'],
    ['x86_64', 'string'],
    [42, 'number'],
  ])('refuses a host that is not an object (%s), saying what it got', (value, got) => {
    expect(() => profileSettings('glibc-2.41', value as never)).toThrow(invalid(`host must be an object with reportedCacheLine, onlineCpus, affinityCpus, goarch, stateSize (got ${got})`));
  });

  it('still takes every documented field', () => {
    expect(profileSettings('go-1.24', { ...host, goarch: 'arm64', stateSize: 256 })).toMatchObject({ alignment: 128, cpus: 2 });
  });
});

describe('SlabAllocator options', () => {
  const source = new SimulatedPageSource();

  it('refuses a misspelt option instead of ignoring it', () => {
    expect(() => new SlabAllocator({ stateSize: 144, source, alignement: 64 } as never)).toThrow(invalid(/^options\.alignement is not an option; the options are stateSize, source, pageSize, /));
  });

  it('refuses missing stateSize or source, and options that are not an object', () => {
    expect(() => new SlabAllocator({ source } as never)).toThrow(invalid(/^options\.stateSize is missing/));
    expect(() => new SlabAllocator({ stateSize: 144 } as never)).toThrow(invalid(/^options\.source is missing/));
    expect(() => new SlabAllocator(null as never)).toThrow(invalid(/^options must be an object/));
  });

  it('refuses a page source that lacks what the allocator calls, naming it', () => {
    const { map: _map, ...noMap } = { pageSize: 4096, cacheLineSize: 64, cpus: 1, map: () => ({ ok: false as const, reason: 'x' }), unmap: () => {} };
    expect(() => new SlabAllocator({ stateSize: 144, source: noMap } as never)).toThrow(invalid('options.source.map is missing: options.source needs pageSize, cacheLineSize, cpus, map, unmap'));
    expect(() => new SlabAllocator({ stateSize: 144, source: { ...noMap, map: 'mmap' } } as never)).toThrow(invalid('options.source.map must be a function (got string)'));
    expect(() => new SlabAllocator({ stateSize: 144, source: { ...noMap, map: () => ({}), unmap: 1 } } as never)).toThrow(invalid('options.source.unmap must be a function (got number)'));
    expect(() => new SlabAllocator({ stateSize: 144, source: { ...noMap, map: () => ({}), pageSize: '4096' } } as never)).toThrow(invalid("options.source.pageSize must be a number (got '4096')"));
    expect(() => new SlabAllocator({ stateSize: 144, source: { ...noMap, map: () => ({}), cpus: Number.POSITIVE_INFINITY } } as never)).toThrow(invalid('options.source.cpus must be a number (got Infinity)'));
    expect(() => new SlabAllocator({ stateSize: 144, source: { ...noMap, map: () => ({}), cacheLineSize: '64' } } as never)).toThrow(invalid("options.source.cacheLineSize must be a number (got '64')"));
  });

  it('refuses a page source that is not an object, listing what one has', () => {
    expect(() => new SlabAllocator({ stateSize: 144, source: null } as never)).toThrow(invalid('options.source must be an object with pageSize, cacheLineSize, cpus, map, unmap (got null)'));
  });

  it('takes a page source that carries more than the interface (a class instance)', () => {
    expect(new SlabAllocator({ stateSize: 144, source: new SimulatedPageSource({ guardPages: 0 }) }).allocate()).not.toBeNull();
  });

  it('refuses unknown fields of reclaim and hooks, and takes the known ones', () => {
    expect(() => new SlabAllocator({ stateSize: 144, source, reclaim: { keep: 1 } } as never)).toThrow(invalid('options.reclaim.keep is not an option; the options are keepEmpty'));
    expect(() => new SlabAllocator({ stateSize: 144, source, hooks: { onAlloc() {} } } as never)).toThrow(invalid('options.hooks.onAlloc is not an option; the options are onMap, onUnmap, onAllocate, onFree'));
    const seen: string[] = [];
    const slab = new SlabAllocator({ stateSize: 144, source: new SimulatedPageSource(), reclaim: { keepEmpty: 0 }, hooks: { onAllocate: () => seen.push('allocate'), onMap: () => seen.push('map') } });
    slab.allocate();
    expect(seen).toEqual(['map', 'allocate']);
    expect(new SlabAllocator({ stateSize: 144, source, reclaim: false }).allocate()).not.toBeNull();
  });
});

describe('SharedSlabPool and SimulatedPageSource options', () => {
  const identity = { current: () => ({ tid: 1, start: 1 }), isAlive: () => true };

  it('the shared pool takes identity and lockCheckMs on top of the allocator options, and refuses others', () => {
    expect(SharedSlabPool.create({ stateSize: 144, source: new SimulatedPageSource(), identity, lockCheckMs: 5 }).descriptor.stateSize).toBe(144);
    expect(() => SharedSlabPool.create({ stateSize: 144, source: new SimulatedPageSource(), identity, lockCheck: 5 } as never)).toThrow(invalid(/^options\.lockCheck is not an option; the options are stateSize, source, identity, pageSize, .*, lockCheckMs$/));
    expect(() => SharedSlabPool.create({ stateSize: 144, source: new SimulatedPageSource() } as never)).toThrow(invalid(/^options\.identity is missing/));
  });

  it('the simulated source refuses an unknown option', () => {
    expect(() => new SimulatedPageSource({ pagesize: 8192 } as never)).toThrow(invalid(/^options\.pagesize is not an option; the options are pageSize, cacheLineSize, cpus, failAfter, failWhen, baseAddress, guardPages$/));
    expect(new SimulatedPageSource({ pageSize: 8192 }).pageSize).toBe(8192);
  });
});
