// The shared pool's less travelled paths, each driven to the exact step: growth that is
// not due a sweep, the sweep that runs only because mapping failed, the lock held while
// a state is being owned, an unexpected error while installing pages, and the trim after
// a repair. The slab mutation run showed that the broader tests reached none of these.
import { describe, expect, it } from 'vitest';
import type { StateHandle } from './api.js';
import { type PoolStep, SharedSlabPool, type ThreadIdentity } from './shared-pool.js';
import { SlabError } from './errors.js';
import { SharedStore } from './shared-store.js';
import { SimulatedPageSource } from './simulated-source.js';
import { H } from './store.js';

/** Live threads as a table: tid -> start time. */
function threadTable() {
  const alive = new Map<number, number>([[100, 1]]);
  const isAlive: ThreadIdentity['isAlive'] = (tid, start) => alive.has(tid) && (start === undefined || alive.get(tid) === start);
  return {
    alive,
    isAlive,
    as: (tid: number): ThreadIdentity => ({ current: () => ({ tid, start: alive.get(tid)! }), isAlive }),
  };
}

/** 144-byte states on 192-byte strides: 21 to a 4 KiB page, one page a refill (glibc policy). */
const PER_PAGE = 21;

function fixture(options: { reclaim?: false } = {}) {
  const threads = threadTable();
  let refuse = false;
  let mapAttempts = 0;
  const source = new SimulatedPageSource({
    failWhen: () => {
      mapAttempts += 1;
      return refuse ? 'mmap-denied: EPERM' : undefined;
    },
  });
  const settings = (tid: number) => ({ stateSize: 144, alignment: 64, policy: 'glibc' as const, source, identity: threads.as(tid), lockCheckMs: 1, ...(options.reclaim === false ? { reclaim: false as const } : {}) });
  const main = SharedSlabPool.create(settings(100));
  const as = (tid: number): SharedSlabPool => {
    if (!threads.alive.has(tid)) threads.alive.set(tid, tid);
    return SharedSlabPool.attach(structuredClone(main.descriptor), settings(tid));
  };
  const lockHolder = () => SharedStore.attach(main.descriptor.store).lock[0];
  return {
    threads,
    source,
    main,
    as,
    lockHolder,
    refuse: (on: boolean) => {
      refuse = on;
    },
    mapAttempts: () => mapAttempts,
  };
}

/** Runs a step generator to its end on an uncontended pool; `at` sees each point as it passes. */
function run<T>(steps: Generator<PoolStep, T, boolean | undefined>, at?: (label: string) => void): { seen: string[]; result: T } {
  const seen: string[] = [];
  for (let next = steps.next(); ; next = steps.next()) {
    if (next.done) return { seen, result: next.value };
    if (next.value.kind !== 'point') throw new Error(`blocked on an uncontended pool (holder ${next.value.holder})`);
    seen.push(`${next.value.label}${next.value.locked ? ' (locked)' : ''}`);
    at?.(next.value.label);
  }
}

const OWN = ['own: start time written (locked)', 'own: owner written (locked)'];

/**
 * 63 live threads, one state each. Growth sweeps fell due at 0, 21 and 42 states in use
 * (each finding nothing dead), so the next is due at 84; three pages are mapped.
 */
function sixtyThreeLive(options: { reclaim?: false } = {}) {
  const f = fixture(options);
  const held = new Map<number, StateHandle>();
  for (let tid = 1000; tid < 1000 + 3 * PER_PAGE; tid += 1) held.set(tid, f.as(tid).acquire()!);
  expect(f.main.stats()).toMatchObject({ statesInUse: 63, pages: 3 });
  return { ...f, held };
}

describe('acquire() on the way to growing', () => {
  it('does not sweep when the pool has not doubled since the last sweep: it maps straight away', () => {
    const f = sixtyThreeLive();
    const { seen, result } = run(f.as(2000).acquireSteps());
    expect(seen).toEqual(['acquire: about to map', 'acquire: mapped', ...OWN]);
    expect(result).not.toBeNull();
    expect(f.main.stats()).toMatchObject({ statesInUse: 64, pages: 4 });
    // 84 slots now, and the owner arrays grew to exactly 84 entries: nothing past them is read.
    expect(SharedStore.attach(f.main.descriptor.store).ownerTid).toHaveLength(84);
    f.main.checkInvariants();
  });

  it('sweeps first once the pool has doubled, and takes a reclaimed state without mapping, holding the lock while it owns it', () => {
    const f = fixture();
    // 21 live threads fill the first page; the 22nd acquire is due a sweep (21 >= 21).
    const held = new Map<number, StateHandle>();
    for (let tid = 1000; tid < 1000 + PER_PAGE; tid += 1) held.set(tid, f.as(tid).acquire()!);
    // The thread holding slot 0 dies: the reclaimed state is slot 0.
    const [deadTid] = [...held].find(([, handle]) => handle.index === 0)!;
    f.threads.alive.delete(deadTid);
    const attempts = f.mapAttempts();
    const holders: number[] = [];
    const { seen, result } = run(f.as(2000).acquireSteps(), (label) => {
      if (label.startsWith('own:')) holders.push(f.lockHolder()!);
    });
    expect(seen).toEqual(['acquire: no free state, sweep due', ...Array(PER_PAGE).fill('sweep: checking an owner'), 'sweep: owner cleared (locked)', ...OWN]);
    expect(holders).toEqual([2000, 2000]);
    expect(f.lockHolder()).toBe(0);
    expect(f.mapAttempts()).toBe(attempts);
    expect(result).not.toBeNull();
    expect(result).toMatchObject({ index: 0 });
    expect(f.main.ownedBy(deadTid)).toBe(0);
    expect(f.main.ownedBy(2000)).toBe(1);
  });
});

describe('acquire() when mapping fails before a sweep is due', () => {
  it('sweeps dead threads as a last resort, owns a reclaimed state under the lock, and maps only once', () => {
    const f = sixtyThreeLive();
    // The thread holding slot 0 dies: the one state a sweep can give back is slot 0.
    const [deadTid] = [...f.held].find(([, handle]) => handle.index === 0)!;
    f.threads.alive.delete(deadTid);
    f.refuse(true);
    const attempts = f.mapAttempts();
    const holders: number[] = [];
    const { seen, result } = run(f.as(2000).acquireSteps(), (label) => {
      if (label.startsWith('own:')) holders.push(f.lockHolder()!);
    });
    expect(seen).toEqual(['acquire: about to map', ...Array(63).fill('sweep: checking an owner'), 'sweep: owner cleared (locked)', ...OWN]);
    expect(result).toMatchObject({ index: 0 });
    expect(holders).toEqual([2000, 2000]);
    expect(f.lockHolder()).toBe(0);
    expect(f.mapAttempts() - attempts).toBe(1);
    expect(f.main.ownedBy(deadTid)).toBe(0);
    f.main.checkInvariants();
  });

  it('when another thread reclaims the dead state first, lets go of the lock and takes that state once it is free', () => {
    const f = sixtyThreeLive();
    const [deadTid] = [...f.held].find(([, handle]) => handle.index === 0)!;
    f.threads.alive.delete(deadTid);
    f.refuse(true);
    const steps = f.as(2000).acquireSteps();
    // 2000's map failed; its sweep listed the owners and is about to check the first.
    for (let next = steps.next(); ; next = steps.next()) {
      if (next.done || next.value.kind === 'blocked') throw new Error('ended or blocked early');
      if (next.value.label === 'sweep: checking an owner') break;
    }
    // Meanwhile another thread sweeps and reclaims slot 0; 2000's re-check under the lock skips it.
    expect(f.as(2001).sweep()).toBe(1);
    let next = steps.next();
    while (!next.done) {
      if (next.value.kind === 'blocked') throw new Error(`blocked on ${next.value.holder}`);
      next = steps.next();
    }
    expect(next.value).toMatchObject({ index: 0 });
    expect(f.lockHolder()).toBe(0);
    f.main.checkInvariants();
  });

  it('with nobody dead, tries to map once, returns null, says why, and leaves the lock free', () => {
    const f = sixtyThreeLive();
    f.refuse(true);
    const attempts = f.mapAttempts();
    const thread = f.as(2000);
    const { seen, result } = run(thread.acquireSteps());
    expect(seen).toEqual(['acquire: about to map', ...Array(63).fill('sweep: checking an owner'), 'acquire: mapped']);
    expect(result).toBeNull();
    expect(f.mapAttempts() - attempts).toBe(1);
    expect(f.lockHolder()).toBe(0);
    expect(thread.stats().lastMapFailure).toMatch(/EPERM/);
    f.refuse(false);
    expect(f.as(2001).acquire()).not.toBeNull();
    f.main.checkInvariants();
  });

  it('ten dead threads serve the next ten acquires from the free list; the eleventh gets null', () => {
    const f = sixtyThreeLive();
    for (let tid = 1000; tid < 1010; tid += 1) f.threads.alive.delete(tid);
    f.refuse(true);
    const attempts = f.mapAttempts();
    for (let tid = 2000; tid < 2010; tid += 1) expect(f.as(tid).acquire(), `thread ${tid}`).not.toBeNull();
    expect(f.mapAttempts() - attempts).toBe(1);
    expect(f.as(2010).acquire()).toBeNull();
    expect(f.main.stats().statesInUse).toBe(63);
    f.main.checkInvariants();
  });
});

describe('acquire() when installing mapped pages fails for a reason other than metadata', () => {
  it('passes the error on, leaves the lock free, and the next acquire works', () => {
    const f = fixture();
    const thread = f.as(3000);
    const install = thread.slab.installChunk.bind(thread.slab);
    const surprise = new TypeError('not a metadata failure');
    thread.slab.installChunk = () => {
      throw surprise;
    };
    expect(() => thread.acquire()).toThrow(surprise);
    expect(f.lockHolder()).toBe(0);
    // Another SlabError, and a plain error that merely carries the metadata code, pass too.
    for (const other of [new SlabError('ERR_SLAB_INVARIANT', 'not metadata either'), Object.assign(new Error('looks like metadata'), { code: 'ERR_SLAB_METADATA' })]) {
      thread.slab.installChunk = () => {
        throw other;
      };
      expect(() => thread.acquire()).toThrow(other);
      expect(f.lockHolder()).toBe(0);
    }
    thread.slab.installChunk = install;
    expect(thread.acquire()).not.toBeNull();
    f.main.checkInvariants();
  });
});

describe('the trim after a repair (a thread died inside the lock)', () => {
  /**
   * 4 KiB states: one to a page and to a chunk. The main thread holds the first chunk's
   * state; thread 7 the second's; thread 8 released the third's (one empty chunk, as many
   * as keepEmpty allows). Thread 7 dies inside release() after clearing its owner, holding
   * the lock, so its chunk becomes empty only through the repair.
   */
  function deathInRelease(options: { reclaim?: false; refuseUnmap?: boolean; unmappedBefore?: boolean } = {}) {
    const threads = threadTable();
    threads.alive.set(7, 70).set(8, 80);
    const source = new SimulatedPageSource();
    const settings = (tid: number) => ({ stateSize: 4096, alignment: 64, policy: 'glibc' as const, source, identity: threads.as(tid), lockCheckMs: 1, ...(options.reclaim === false ? { reclaim: false as const } : {}) });
    const main = SharedSlabPool.create(settings(100));
    const kept = main.acquire()!;
    const seven = SharedSlabPool.attach(structuredClone(main.descriptor), settings(7));
    const eight = SharedSlabPool.attach(structuredClone(main.descriptor), settings(8));
    const dying = seven.acquire()!;
    if (options.unmappedBefore) {
      // Two more chunks, both given back: the second is unmapped (keepEmpty 1), its record kept for reuse.
      const [a, b] = [eight.acquire()!, eight.acquire()!];
      eight.release(a);
      eight.release(b);
    } else eight.release(eight.acquire()!);
    const steps = seven.releaseSteps(dying);
    for (let next = steps.next(); !next.done; next = steps.next()) {
      if (next.value.kind === 'point' && next.value.label === 'release: owner cleared') break;
    }
    threads.alive.delete(7);
    if (options.refuseUnmap) {
      main.slab.source.unmap = () => {
        throw new Error('EBUSY');
      };
    }
    return { main, kept, dying, source };
  }

  it('gives back the chunks beyond keepEmpty, and only empty ones', () => {
    const { main, kept, source } = deathInRelease();
    const stats = main.stats();
    expect(stats.repairs).toBe(1);
    expect(stats).toMatchObject({ emptyChunks: 1, statesInUse: 1, pages: 2 });
    expect(source.liveMappings()).toHaveLength(2);
    main.checkInvariants();
    expect(main.slab.slotAt(Number(kept.address))).toBe(kept.index);
  });

  it('with a chunk already unmapped: the repair keeps its record unmapped and on the reuse list, and later refills reuse the records', () => {
    const { main, source } = deathInRelease({ unmappedBefore: true });
    expect(main.stats()).toMatchObject({ repairs: 1, emptyChunks: 1, statesInUse: 1, pages: 2 });
    main.checkInvariants();
    const before = source.counts.maps;
    const more = [main.acquire(), main.acquire(), main.acquire()];
    expect(more.every((handle) => handle !== null)).toBe(true);
    main.checkInvariants();
    // One state came from the empty chunk; the other two were new pages in reused records.
    expect(source.counts.maps - before).toBe(2);
    expect(main.stats()).toMatchObject({ statesInUse: 4, pages: 4, chunks: 4 });
  });

  it('marks every slot of an unmapped chunk unmapped, whatever a death half-way through unmapping it left', () => {
    const { main } = deathInRelease({ unmappedBefore: true });
    const store = SharedStore.attach(main.descriptor.store);
    const unmapped = store.header[H.unmappedHead]; // chunk + 1
    expect(unmapped).toBeGreaterThan(0);
    // As if the dead thread had marked the chunk unmapped but not yet its slot.
    store.slotNext[store.chunkFirstSlot[unmapped! - 1]!] = -1;
    expect(main.stats().repairs).toBe(1);
    main.checkInvariants();
  });

  it('passes over a record already unmapped below the empty chunks: it unmaps only mapped ones', () => {
    const threads = threadTable();
    threads.alive.set(7, 70).set(8, 80);
    const source = new SimulatedPageSource();
    const settings = (tid: number) => ({ stateSize: 4096, alignment: 64, policy: 'glibc' as const, source, identity: threads.as(tid), lockCheckMs: 1 });
    const main = SharedSlabPool.create(settings(100));
    main.acquire(); // chunk 0
    const eight = SharedSlabPool.attach(structuredClone(main.descriptor), settings(8));
    const seven = SharedSlabPool.attach(structuredClone(main.descriptor), settings(7));
    const [a, b] = [eight.acquire()!, eight.acquire()!]; // chunks 1 and 2
    const dying = seven.acquire()!; // chunk 3
    eight.release(b); // chunk 2 empty: kept
    eight.release(a); // chunk 1 empty too: unmapped, its record (below 2 and 3) kept for reuse
    const steps = seven.releaseSteps(dying);
    for (let next = steps.next(); !next.done; next = steps.next()) {
      if (next.value.kind === 'point' && next.value.label === 'release: owner cleared') break;
    }
    threads.alive.delete(7);
    const unmapsBefore = source.counts.unmaps;
    expect(main.stats()).toMatchObject({ repairs: 1, emptyChunks: 1, statesInUse: 1, pages: 2 });
    expect(source.counts.unmaps - unmapsBefore).toBe(1);
    expect(main.slab.lastUnmapFailure).toBeUndefined();
    main.checkInvariants();
  });

  it('with reclaim: false, keeps every empty chunk', () => {
    const { main } = deathInRelease({ reclaim: false });
    expect(main.stats()).toMatchObject({ repairs: 1, emptyChunks: 2, statesInUse: 1, pages: 3 });
    main.checkInvariants();
  });

  it('when the page source refuses to unmap, keeps the chunks, says so, and stops', () => {
    const { main } = deathInRelease({ refuseUnmap: true });
    expect(main.stats()).toMatchObject({ repairs: 1, emptyChunks: 2, statesInUse: 1, pages: 3 });
    expect(main.slab.lastUnmapFailure).toMatch(/EBUSY/);
    main.checkInvariants();
  });
});

describe('the pool lock, step by step', () => {
  it('is held from taking a free state until its owner is written, and free after', () => {
    const f = fixture();
    const first = f.as(4000);
    first.release(first.acquire()!);
    const holders: number[] = [];
    const { seen } = run(f.as(4001).acquireSteps(), () => holders.push(f.lockHolder()!));
    expect(seen).toEqual(OWN);
    expect(holders).toEqual([4001, 4001]);
    expect(f.lockHolder()).toBe(0);
  });

  it('is not re-entrant: a second operation by the holder inside the first is refused, not deadlocked', () => {
    const f = fixture();
    const thread = f.as(4100);
    const steps = thread.acquireSteps();
    for (let next = steps.next(); !next.done; next = steps.next()) {
      if (next.value.kind === 'point' && next.value.locked) break;
    }
    expect(f.lockHolder()).toBe(4100);
    expect(() => thread.stats()).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVARIANT', message: 'the shared pool lock is not re-entrant' }));
    expect(f.lockHolder()).toBe(4100);
  });

  it('is taken over only after a timed-out wait, and only from a holder that is positively dead', () => {
    const f = fixture();
    const lock = SharedStore.attach(f.main.descriptor.store).lock;
    f.threads.alive.set(4200, 42);
    lock[0] = 4200;
    const steps = f.as(4201).acquireSteps();
    expect(steps.next().value).toEqual({ kind: 'blocked', holder: 4200, spins: 0 });
    // The holder lives: a timed-out wait is no reason to take its lock.
    expect(steps.next(true).value).toEqual({ kind: 'blocked', holder: 4200, spins: 1 });
    f.threads.alive.delete(4200);
    // Dead, but the wait did not time out (it was woken): look again, do not take over yet.
    expect(steps.next(false).value).toEqual({ kind: 'blocked', holder: 4200, spins: 2 });
    expect(lock[0]).toBe(4200);
    // Dead and timed out: taken over and repaired, and the acquire goes on.
    let next = steps.next(true);
    while (!next.done) next = steps.next();
    expect(next.value).not.toBeNull();
    expect(lock[0]).toBe(0);
    expect(f.main.stats().repairs).toBe(1);
  });

  it('a double release names the state and leaves the lock free', () => {
    const f = fixture();
    const thread = f.as(4300);
    const handle = thread.acquire()!;
    thread.release(handle);
    expect(() => thread.release(handle)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_DOUBLE_FREE', message: `state 0x${handle.address.toString(16)} is already free` }));
    expect(f.lockHolder()).toBe(0);
  });

  it('acquire() and release() without the step machinery leave what their steps leave', () => {
    // Two pools, the same operations: one through acquire()/release() (their lock-free-at-once
    // paths), one by driving acquireSteps()/releaseSteps() with no other thread.
    const drive = <T>(steps: Generator<PoolStep, T, boolean | undefined>) => run(steps).result;
    const direct = fixture();
    const stepped = fixture();
    const script = [3, -1, 2, -2, -1, 4, -3, 1];
    const held: Array<[StateHandle[], StateHandle[]]> = [];
    const directThreads = [direct.as(500), direct.as(501)];
    const steppedThreads = [stepped.as(500), stepped.as(501)];
    let turn = 0;
    for (const step of script) {
      const which = turn++ % 2;
      held[which] ??= [[], []];
      for (let count = 0; count < Math.abs(step); count += 1) {
        if (step > 0) {
          held[which]![0].push(directThreads[which]!.acquire()!);
          held[which]![1].push(drive(steppedThreads[which]!.acquireSteps())!);
        } else if (held[which]![0].length > 0) {
          directThreads[which]!.release(held[which]![0].shift()!);
          drive(steppedThreads[which]!.releaseSteps(held[which]![1].shift()!));
        }
      }
    }
    const owners = (f: typeof direct) => {
      const store = SharedStore.attach(f.main.descriptor.store);
      return { tids: [...store.ownerTid.slice(0, 64)], starts: [...store.ownerStart.slice(0, 64)] };
    };
    expect(owners(direct)).toEqual(owners(stepped));
    expect(direct.main.slab.freeOrder()).toEqual(stepped.main.slab.freeOrder());
    expect(direct.main.stats()).toEqual(stepped.main.stats());
    expect(direct.lockHolder()).toBe(0);
    direct.main.checkInvariants();
    // A release of a state the pool never handed out is refused there too, and frees the lock.
    expect(() => directThreads[0]!.release({ address: 0x1000n, index: -1 })).toThrow(expect.objectContaining({ code: 'ERR_SLAB_FOREIGN' }));
    expect(direct.lockHolder()).toBe(0);
  });

  it('acquire() and release() wait for a lock another thread holds, even on their direct paths: a dead holder is taken over and repaired', () => {
    for (const operation of ['acquire', 'release'] as const) {
      const f = fixture();
      const thread = f.as(4400);
      const handle = thread.acquire()!;
      // A holder that is gone: the only way past its lock is the takeover, which counts a repair.
      f.threads.alive.set(4401, 4401);
      SharedStore.attach(f.main.descriptor.store).lock[0] = 4401;
      f.threads.alive.delete(4401);
      if (operation === 'acquire') expect(thread.acquire()).not.toBeNull();
      else thread.release(handle);
      expect(f.main.stats().repairs, operation).toBe(1);
      expect(f.lockHolder()).toBe(0);
      f.main.checkInvariants();
    }
  });
});

