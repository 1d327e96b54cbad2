// freeOrder(): the free list as allocate() will hand it out, read without changing anything.
import { describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import { PROFILE_NAMES, allocatorOptions, profileSettings } from './profiles.js';
import { randomScenario } from './scenario.js';
import { SimulatedPageSource } from './simulated-source.js';

const host = { reportedCacheLine: 64, onlineCpus: 4, affinityCpus: 4 };

describe('freeOrder', () => {
  it.each(PROFILE_NAMES)('%s: predicts every allocate() that needs no refill, through random starts and ends', (profile) => {
    const settings = profileSettings(profile, host);
    const slab = new SlabAllocator({ stateSize: 144, source: new SimulatedPageSource({ pageSize: 4096 }), ...allocatorOptions(settings) });
    const held = new Map<number, bigint>();
    let predictions = 0;
    for (const event of randomScenario(11, 400, 60)) {
      if (event.kind === 'exit') {
        slab.free(held.get(event.thread)!);
        held.delete(event.thread);
        continue;
      }
      const before = slab.stats();
      const expected = slab.freeOrder(3);
      const state = slab.allocate()!;
      held.set(event.thread, state.address);
      if (before.statesFree > 0) {
        expect(state.address).toBe(expected[0]);
        predictions += 1;
      }
      // Reading changed nothing: the rest of the list is what was predicted after the head.
      if (before.statesFree > 1) expect(slab.freeOrder(2)).toEqual(expected.slice(1, 3));
    }
    expect(predictions).toBeGreaterThan(100);
    slab.checkInvariants();
  });

  it('returns every free state once, the head first, and honours the limit', () => {
    const slab = new SlabAllocator({ stateSize: 144, source: new SimulatedPageSource({ pageSize: 4096 }), policy: 'glibc', alignment: 64, order: 'highest-first', reclaim: false });
    const a = slab.allocate()!;
    const all = slab.freeOrder();
    expect(all).toHaveLength(slab.stats().statesFree);
    expect(new Set(all).size).toBe(all.length);
    slab.free(a);
    expect(slab.freeOrder(1)).toEqual([a.address]);
    expect(slab.freeOrder(0)).toEqual([]);
  });

  it.each([-1, 1.5, Number.NaN, '3' as unknown as number])('refuses a limit of %j', (limit) => {
    const slab = new SlabAllocator({ stateSize: 144, source: new SimulatedPageSource({ pageSize: 4096 }) });
    expect(() => slab.freeOrder(limit)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION' }));
  });

  it('names the limit it refused, and refuses any call after dispose()', () => {
    const slab = new SlabAllocator({ stateSize: 144, source: new SimulatedPageSource({ pageSize: 4096 }) });
    expect(() => slab.freeOrder(-1)).toThrow('freeOrder(limit): limit must be a non-negative integer (got -1)');
    slab.dispose();
    expect(() => slab.freeOrder()).toThrow(expect.objectContaining({ code: 'ERR_SLAB_DISPOSED', message: 'freeOrder() after dispose(): create a new allocator' }));
  });
});
