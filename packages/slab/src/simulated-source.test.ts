// The simulated page source is public (tests and the fuzzer run on it): its options,
// failures and leak records, each as documented.
import { describe, expect, it } from 'vitest';
import { SimulatedPageSource } from './simulated-source.js';

describe('SimulatedPageSource', () => {
  it('refuses a page size that is not a power of two, and an unaligned base', () => {
    expect(() => new SimulatedPageSource({ pageSize: 3000 })).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: 'pageSize must be a power of 2 (got 3000)' }));
    expect(() => new SimulatedPageSource({ baseAddress: 0x1001n })).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: 'baseAddress must be page-aligned' }));
  });

  it('maps page multiples at aligned addresses with a guard page between, and refuses anything else with EINVAL', () => {
    const source = new SimulatedPageSource({ baseAddress: 0x10000n });
    expect(source.map(8192)).toEqual({ ok: true, region: { address: 0x10000n, byteLength: 8192 } });
    expect(source.map(4096)).toEqual({ ok: true, region: { address: 0x10000n + 3n * 4096n, byteLength: 4096 } });
    for (const length of [0, -4096, 100, 4097, 1.5 * 4096]) expect(source.map(length)).toEqual({ ok: false, reason: `EINVAL: ${length} is not a positive multiple of the page size` });
    expect(source.mappedBytes).toBe(12_288);
    expect(source.counts).toEqual({ maps: 7, unmaps: 0 });
  });

  it('fails every map after failAfter, whenever failWhen says, and while failing is set', () => {
    const after = new SimulatedPageSource({ failAfter: 2 });
    expect([after.map(4096).ok, after.map(4096).ok, after.map(4096), after.map(4096).ok]).toEqual([true, true, { ok: false, reason: 'simulated ENOMEM after 2 maps' }, false]);
    const when = new SimulatedPageSource({ failWhen: (number, length) => (number === 1 || length > 4096 ? `no (${number}, ${length})` : undefined) });
    expect([when.map(4096).ok, when.map(4096), when.map(8192), when.map(4096).ok]).toEqual([true, { ok: false, reason: 'no (1, 4096)' }, { ok: false, reason: 'no (2, 8192)' }, true]);
    const flag = new SimulatedPageSource();
    flag.failing = true;
    expect(flag.map(4096)).toEqual({ ok: false, reason: 'simulated failure' });
    flag.failing = false;
    expect(flag.map(4096).ok).toBe(true);
  });

  it('unmaps exactly a live mapping, and refuses any other region', () => {
    const source = new SimulatedPageSource();
    const mapped = source.map(8192);
    if (!mapped.ok) throw new Error('map failed');
    const { address } = mapped.region;
    expect(() => source.unmap({ address, byteLength: 4096 })).toThrow(expect.objectContaining({ code: 'ERR_SLAB_FOREIGN', message: `unmap of 4096 bytes at 0x${address.toString(16)} matches no live simulated mapping` }));
    expect(() => source.unmap({ address: address + 4096n, byteLength: 4096 })).toThrow(expect.objectContaining({ code: 'ERR_SLAB_FOREIGN' }));
    source.unmap(mapped.region);
    expect(source.liveMappings()).toEqual([]);
    expect(() => source.unmap(mapped.region)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_FOREIGN' }));
    expect(source.counts).toEqual({ maps: 1, unmaps: 1 });
  });
});
