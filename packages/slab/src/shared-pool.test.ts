// The shared pool on one thread with simulated thread identities: ownership, sweeps,
// reused tids, and recovery from a thread that died holding the lock.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { StateHandle } from './api.js';
import { type PoolStep, SharedSlabPool, type ThreadIdentity } from './shared-pool.js';
import { SharedStore } from './shared-store.js';
import { SimulatedPageSource } from './simulated-source.js';

/** Threads as a table we control: tid -> start time, and who "we" are right now. */
function simulatedThreads() {
  const alive = new Map<number, number>();
  let current = { tid: 100, start: 1 };
  alive.set(100, 1);
  const identity: ThreadIdentity = {
    current: () => current,
    isAlive: (tid, start) => alive.has(tid) && (start === undefined || alive.get(tid) === start),
  };
  return {
    identity,
    spawn(tid: number, start: number) {
      alive.set(tid, start);
    },
    exit(tid: number) {
      alive.delete(tid);
    },
    become(tid: number) {
      current = { tid, start: alive.get(tid)! };
    },
  };
}

function pool(threads = simulatedThreads(), source = new SimulatedPageSource()) {
  return { threads, source, pool: SharedSlabPool.create({ stateSize: 144, alignment: 64, policy: 'glibc', source, identity: threads.identity, lockCheckMs: 1 }) };
}

/** Another "thread" attaching to the same shared metadata. */
function attachAs(shared: SharedSlabPool, threads: ReturnType<typeof simulatedThreads>, source: SimulatedPageSource, tid: number): SharedSlabPool {
  threads.become(tid);
  return SharedSlabPool.attach(structuredClone(shared.descriptor), { stateSize: 144, alignment: 64, policy: 'glibc', source, identity: threads.identity, lockCheckMs: 1 });
}

describe('SharedSlabPool', () => {
  it('hands distinct states to distinct threads attached to the same metadata, and reuses freed ones', () => {
    const { pool: main, threads, source } = pool();
    const mine = main.acquire()!;
    threads.spawn(200, 7);
    const worker = attachAs(main, threads, source, 200);
    const theirs = worker.acquire()!;
    expect(theirs.address).not.toBe(mine.address);
    expect(main.ownedBy(100)).toBe(1);
    expect(main.ownedBy(200)).toBe(1);
    worker.release(theirs);
    threads.spawn(201, 8);
    const next = attachAs(main, threads, source, 201);
    expect(next.acquire()!.address).toBe(theirs.address);
    main.checkInvariants();
  });

  it('a sweep reclaims only the states of threads that no longer exist', () => {
    const { pool: main, threads, source } = pool();
    const handles: StateHandle[] = [];
    for (const tid of [201, 202, 203]) {
      threads.spawn(tid, tid);
      handles.push(attachAs(main, threads, source, tid).acquire()!);
    }
    threads.become(100);
    expect(main.sweep()).toBe(0);
    threads.exit(202);
    expect(main.sweep()).toBe(1);
    expect(main.ownedBy(202)).toBe(0);
    expect(main.ownedBy(201) + main.ownedBy(203)).toBe(2);
    expect(main.stats().statesInUse).toBe(2);
    main.checkInvariants();
  });

  it('a reused tid with a different start time is a new thread: the old owner is reclaimed', () => {
    const { pool: main, threads, source } = pool();
    threads.spawn(300, 5);
    attachAs(main, threads, source, 300).acquire();
    threads.exit(300);
    threads.spawn(300, 9);
    threads.become(100);
    expect(main.sweep()).toBe(1);
    expect(main.ownedBy(300)).toBe(0);
  });

  it('sweeps on the way to growing once the pool has doubled, so churn reuses dead threads\' states: at most twice the memory', () => {
    const { pool: main, threads, source } = pool();
    for (let tid = 1000; tid < 2000; tid += 1) {
      threads.spawn(tid, tid);
      attachAs(main, threads, source, tid).acquire();
      threads.exit(tid);
    }
    // 1 000 dead threads one after another: without sweeps, 48 pages; with them, a few.
    expect(source.counts.maps).toBeLessThanOrEqual(4);
    threads.become(100);
    main.sweep();
    expect(main.stats().statesInUse).toBe(0);
  });

  it('a thread that died holding the lock is taken over, and the metadata rebuilt from ownership', () => {
    const { pool: main, threads, source } = pool();
    const kept = main.acquire()!;
    threads.spawn(400, 4);
    const doomed = attachAs(main, threads, source, 400);
    doomed.acquire();
    // Simulate 400 dying mid-operation: lock held, derived metadata half-updated.
    const store = (main as unknown as { store: { lock: Int32Array; header: Float64Array } }).store;
    Atomics.store(store.lock, 0, 400);
    store.header[1] = 999;
    threads.exit(400);
    threads.become(100);
    expect(main.sweep()).toBe(1);
    main.checkInvariants();
    expect(main.stats()).toMatchObject({ statesInUse: 1, repairs: 1 });
    main.release(kept);
    expect(main.stats().statesInUse).toBe(0);
  });

  it('refuses to attach with another state size or to something that is not a pool', () => {
    const { pool: main, threads, source } = pool();
    expect(() => SharedSlabPool.attach(main.descriptor, { stateSize: 256, source, identity: threads.identity })).toThrow(
      expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION' }),
    );
    expect(() => SharedSlabPool.attach({ stateSize: 144, store: { version: 1, buffers: {} } } as never, { stateSize: 144, source, identity: threads.identity })).toThrow(
      expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION' }),
    );
  });

  it('a double release is rejected and changes nothing', () => {
    const { pool: main } = pool();
    const handle = main.acquire()!;
    main.release(handle);
    expect(() => main.release(handle)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_DOUBLE_FREE' }));
    main.checkInvariants();
  });
});

describe('SharedSlabPool growth', () => {
  it('while mapping fails, dead threads\' states serve new ones (the growth sweep that falls due reclaims them; shared-pool.paths.test.ts covers the sweep that runs only because mapping failed)', () => {
    let refuse = false;
    const threads = simulatedThreads();
    const source = new SimulatedPageSource({ failWhen: () => (refuse ? 'mmap-denied: EPERM' : undefined) });
    const main = SharedSlabPool.create({ stateSize: 144, alignment: 64, policy: 'glibc', source, identity: threads.identity, lockCheckMs: 1 });
    for (let tid = 1000; tid < 1021; tid += 1) {
      threads.spawn(tid, tid);
      attachAs(main, threads, source, tid).acquire();
    }
    // A first growth sweeps (nothing dead yet) and maps; then these 21 die.
    threads.spawn(1021, 1021);
    attachAs(main, threads, source, 1021).acquire();
    for (let tid = 1000; tid < 1021; tid += 1) threads.exit(tid);
    refuse = true;
    for (let tid = 2000; tid < 2041; tid += 1) {
      threads.spawn(tid, tid);
      expect(attachAs(main, threads, source, tid).acquire(), `thread ${tid}`).not.toBeNull();
    }
  });
});

describe('SharedSlabPool when liveness cannot be established', () => {
  it('an identity that throws, or that cannot tell, never gets a live thread\'s state reclaimed', () => {
    for (const isAlive of [
      () => {
        throw new Error('EMFILE: too many open files');
      },
      () => true,
    ]) {
      const threads = simulatedThreads();
      const failing: ThreadIdentity = { current: threads.identity.current, isAlive };
      const source = new SimulatedPageSource();
      const main = SharedSlabPool.create({ stateSize: 144, alignment: 64, policy: 'glibc', source, identity: failing, lockCheckMs: 1 });
      const held = Array.from({ length: 21 }, () => main.acquire()!);
      expect(main.sweep()).toBe(0);
      // The pool grows instead of taking a state back.
      const extra = main.acquire()!;
      expect(held.map((handle) => handle.address)).not.toContain(extra.address);
      expect(main.stats().statesInUse).toBe(22);
      main.checkInvariants();
    }
  });

  it('a lock holder whose liveness cannot be established is waited for, not taken over', async () => {
    const threads = simulatedThreads();
    const failing: ThreadIdentity = {
      current: threads.identity.current,
      isAlive: () => {
        throw new Error('no /proc and no tgkill');
      },
    };
    const source = new SimulatedPageSource();
    const main = SharedSlabPool.create({ stateSize: 144, alignment: 64, policy: 'glibc', source, identity: failing, lockCheckMs: 1 });
    const lock = new Int32Array(main.descriptor.store.buffers.lock);
    Atomics.store(lock, 0, 4242); // "thread 4242" holds the lock
    // Another thread lets go after 60 ms (this one is blocked in acquire() meanwhile).
    const releaser = new Worker('const lock = new Int32Array(require("node:worker_threads").workerData); setTimeout(() => { Atomics.store(lock, 0, 0); Atomics.notify(lock, 0); }, 60);', {
      eval: true,
      workerData: lock.buffer,
    });
    await new Promise((resolve) => releaser.once('online', resolve));
    const started = performance.now();
    main.acquire();
    await releaser.terminate();
    // It waited for the holder to let go (about 60 ms), and repaired nothing.
    expect(performance.now() - started).toBeGreaterThan(40);
    expect(main.stats().repairs).toBe(0);
  });
});

describe('a repair after a death inside the lock', () => {
  it('keeps no more fully free chunks mapped than keepEmpty (found by the interleave fuzz target)', () => {
    const threads = simulatedThreads();
    const source = new SimulatedPageSource();
    // 4 KiB states: one a page, so each state is its own chunk under the glibc policy.
    const shared = SharedSlabPool.create({ stateSize: 4096, alignment: 64, policy: 'glibc', source, identity: threads.identity, lockCheckMs: 1 });
    threads.spawn(7, 70);
    threads.spawn(8, 80);
    const seven = SharedSlabPool.attach(structuredClone(shared.descriptor), { stateSize: 4096, alignment: 64, policy: 'glibc', source, identity: { current: () => ({ tid: 7, start: 70 }), isAlive: threads.identity.isAlive }, lockCheckMs: 1 });
    const eight = SharedSlabPool.attach(structuredClone(shared.descriptor), { stateSize: 4096, alignment: 64, policy: 'glibc', source, identity: { current: () => ({ tid: 8, start: 80 }), isAlive: threads.identity.isAlive }, lockCheckMs: 1 });
    const mine = seven.acquire()!;
    const other = eight.acquire()!;
    eight.release(other); // one empty chunk: as many as keepEmpty (1) allows
    // Thread 7 dies inside release(), after clearing the owner and before freeing the slot.
    const steps = seven.releaseSteps(mine);
    for (let next = steps.next(); !next.done; next = steps.next()) {
      if (next.value.kind === 'point' && next.value.label === 'release: owner cleared') break;
    }
    threads.exit(7);
    // The next locker takes over and rebuilds: thread 7's chunk is now fully free too.
    expect(() => shared.checkInvariants()).not.toThrow();
    expect(shared.stats().emptyChunks).toBeLessThanOrEqual(1);
    expect(shared.stats().repairs).toBe(1);
  });
});

describe('the points a scheduler sees (acquireSteps, releaseSteps, sweepSteps)', () => {
  /** Runs a step generator to its end on an uncontended pool, keeping every point. */
  function points<T>(steps: Generator<PoolStep, T, boolean | undefined>): { seen: string[]; result: T } {
    const seen: string[] = [];
    for (let next = steps.next(); ; next = steps.next()) {
      if (next.done) return { seen, result: next.value };
      if (next.value.kind === 'point') seen.push(`${next.value.label}${next.value.locked ? ' (locked)' : ''}`);
    }
  }

  it('name each step between two shared-memory writes, and say when the lock is held', () => {
    const threads = simulatedThreads();
    const source = new SimulatedPageSource();
    threads.spawn(5, 50);
    const pool = SharedSlabPool.create({ stateSize: 144, alignment: 64, source, identity: { current: () => ({ tid: 5, start: 50 }), isAlive: threads.identity.isAlive } });
    const acquired = points(pool.acquireSteps());
    // A fresh pool has nothing free and is due a sweep (0 in use >= 0), which finds nothing; then it maps.
    expect(acquired.seen).toEqual(['acquire: no free state, sweep due', 'acquire: about to map', 'acquire: mapped', 'own: start time written (locked)', 'own: owner written (locked)']);
    expect(points(pool.releaseSteps(acquired.result!)).seen).toEqual(['release: owner cleared (locked)']);
    const again = points(pool.acquireSteps()).result!;
    threads.exit(5);
    threads.spawn(6, 60);
    const sweeper = SharedSlabPool.attach(structuredClone(pool.descriptor), { stateSize: 144, alignment: 64, source, identity: { current: () => ({ tid: 6, start: 60 }), isAlive: threads.identity.isAlive } });
    const swept = points(sweeper.sweepSteps());
    expect(swept).toEqual({ seen: ['sweep: checking an owner', 'sweep: owner cleared (locked)'], result: 1 });
    expect(sweeper.ownedBy(5)).toBe(0);
    expect(again.address).toBeGreaterThan(0n);
  });
});

describe('SharedSlabPool edges the mutation run found untested', () => {
  const options = (identity: ThreadIdentity, source = new SimulatedPageSource()) => ({ stateSize: 144, alignment: 64, policy: 'glibc' as const, source, identity });

  it('attach and attachStore refuse another state size, naming both', () => {
    const threads = simulatedThreads();
    const pool = SharedSlabPool.create(options(threads.identity));
    expect(() => SharedSlabPool.attach(pool.descriptor, { ...options(threads.identity), stateSize: 200 })).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: 'the shared pool holds 144-byte states, not 200' }));
    expect(() => SharedSlabPool.attach(null as never, options(threads.identity))).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: 'the shared pool holds undefined-byte states, not 144' }));
    const store = SharedStore.create();
    SharedSlabPool.attachStore(store.descriptor, options(threads.identity));
    expect(() => SharedSlabPool.attachStore(store.descriptor, { ...options(threads.identity), stateSize: 200 })).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: 'the shared pool holds 144-byte states, not 200' }));
    expect(SharedSlabPool.attachStore(store.descriptor, options(threads.identity)).descriptor.stateSize).toBe(144);
  });

  it('checkInvariants() reports an owned slot with no owner thread, and an owner on a free slot', () => {
    const threads = simulatedThreads();
    const pool = SharedSlabPool.create(options(threads.identity));
    const held = pool.acquire()!;
    const other = pool.acquire()!;
    pool.release(other);
    const store = SharedStore.attach(pool.descriptor.store);
    store.ownerTid[held.index] = 0;
    expect(() => pool.checkInvariants()).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVARIANT', message: `invariant broken: slot ${held.index} is owned but has no owner thread` }));
    store.ownerTid[held.index] = 100;
    store.ownerTid[other.index] = 100;
    expect(() => pool.checkInvariants()).toThrow(expect.objectContaining({ message: `invariant broken: slot ${other.index} is not owned but has owner thread` }));
  });

  it('metadata that cannot grow: acquire() returns null, says why, and gives the pages back', () => {
    const threads = simulatedThreads();
    const source = new SimulatedPageSource();
    const full = SharedStore.create().descriptor.buffers;
    // Room for 64 slots only: the fourth one-page refill (84 slots) cannot be recorded.
    const buffers = { ...full, slotChunk: new SharedArrayBuffer(64 * 4, { maxByteLength: 64 * 4 }) };
    const pool = SharedSlabPool.attachStore({ version: 1, buffers }, options(threads.identity, source));
    const held = Array.from({ length: 63 }, () => pool.acquire());
    expect(held.every((handle) => handle !== null)).toBe(true);
    expect(pool.acquire()).toBeNull();
    expect(pool.stats().lastMapFailure).toMatch(/^metadata: the shared pool could not grow slotChunk to \d+ entries: /);
    expect(source.liveMappings()).toHaveLength(3);
    pool.checkInvariants();
  });

  it('a lock left by a dead thread is taken over with the default lockCheckMs', () => {
    const threads = simulatedThreads();
    const pool = SharedSlabPool.create(options(threads.identity));
    pool.acquire();
    SharedStore.attach(pool.descriptor.store).lock[0] = 4242; // a tid that never lived
    expect(pool.acquire()).not.toBeNull();
    expect(pool.stats().repairs).toBe(1);
  });
});
