// Two logical threads over one shared pool, stepped by hand at the exact points where
// they race: a sweep that found an owner dead while its slot changed hands, two threads
// taking over the same dead holder's lock, and pages installed while another thread
// frees a state. (tools/fuzz's interleave target explores such schedules at random; these
// pin the ones the slab mutation run showed no unit test reached.)
import { describe, expect, it } from 'vitest';
import type { StateHandle } from './api.js';
import { type PoolStep, SharedSlabPool, type ThreadIdentity } from './shared-pool.js';
import { SharedStore } from './shared-store.js';
import { SimulatedPageSource } from './simulated-source.js';

function world() {
  const alive = new Map<number, number>([[100, 1]]);
  const isAlive: ThreadIdentity['isAlive'] = (tid, start) => alive.has(tid) && (start === undefined || alive.get(tid) === start);
  const source = new SimulatedPageSource();
  const settings = (tid: number) => ({ stateSize: 144, alignment: 64, policy: 'glibc' as const, source, identity: { current: () => ({ tid, start: alive.get(tid)! }), isAlive }, lockCheckMs: 1 });
  const main = SharedSlabPool.create(settings(100));
  /** A thread (born now with `start`, if new) attached to the pool. */
  const thread = (tid: number, start = tid): SharedSlabPool => {
    if (!alive.has(tid)) alive.set(tid, start);
    return SharedSlabPool.attach(structuredClone(main.descriptor), settings(tid));
  };
  const lock = SharedStore.attach(main.descriptor.store).lock;
  return { alive, main, thread, lock };
}

/** Steps until a point labelled `label` (the point is consumed), or to the end. */
function stepTo<T>(steps: Generator<PoolStep, T, boolean | undefined>, label: string, times = 1): void {
  let seen = 0;
  for (let next = steps.next(); !next.done; next = steps.next()) {
    if (next.value.kind === 'blocked') throw new Error(`blocked on ${next.value.holder} before '${label}'`);
    if (next.value.label === label && (seen += 1) === times) return;
  }
  throw new Error(`never reached '${label}'`);
}

function finish<T>(steps: Generator<PoolStep, T, boolean | undefined>): T {
  for (let next = steps.next(); ; next = steps.next()) {
    if (next.done) return next.value;
    if (next.value.kind === 'blocked') throw new Error(`blocked on ${next.value.holder}`);
  }
}

describe('a sweep re-checks each owner under the lock before freeing its slot', () => {
  /** Thread 200 holds a state and dies; sweeper 300 is about to check it, unlocked. */
  function sweepAboutToCheck() {
    const w = world();
    const handle = w.thread(200).acquire()!;
    w.alive.delete(200);
    const sweep = w.thread(300).sweepSteps();
    stepTo(sweep, 'sweep: checking an owner');
    return { ...w, handle, sweep };
  }

  it('skips a slot that another thread reclaimed and handed to a live thread meanwhile', () => {
    const w = sweepAboutToCheck();
    expect(w.thread(400).sweep()).toBe(1);
    // Born at the same start time as 200 (start times are clock ticks: only tid and start together name a thread).
    const taken = w.thread(500, 200).acquire()!;
    expect(taken.index).toBe(w.handle.index);
    // The first sweeper goes on: 200 is dead, but the slot is 500's now.
    expect(finish(w.sweep)).toBe(0);
    expect(w.main.ownedBy(500)).toBe(1);
    w.main.checkInvariants();
  });

  it('skips a slot now held by a new thread that reuses the dead one\'s tid (another start time)', () => {
    const w = sweepAboutToCheck();
    expect(w.thread(400).sweep()).toBe(1);
    const reborn = w.thread(200, 9999);
    expect(reborn.acquire()!.index).toBe(w.handle.index);
    expect(finish(w.sweep)).toBe(0);
    expect(w.main.ownedBy(200)).toBe(1);
    w.main.checkInvariants();
  });
});

describe('two threads that find the same dead lock holder', () => {
  it('only the one whose takeover succeeds goes on; the other waits for it', () => {
    const w = world();
    // One free state, so the first to get the lock stops inside it, owning that state.
    w.main.release(w.main.acquire()!);
    w.alive.set(666, 6);
    w.lock[0] = 666;
    w.alive.delete(666);
    const first = w.thread(700).acquireSteps();
    const second = w.thread(800).acquireSteps();
    expect(first.next().value).toEqual({ kind: 'blocked', holder: 666, spins: 0 });
    expect(second.next().value).toEqual({ kind: 'blocked', holder: 666, spins: 0 });
    // 700's wait times out first: it takes the lock over, repairs, and is owning the free state.
    expect(first.next(true).value).toEqual({ kind: 'point', label: 'own: start time written', locked: true });
    expect(w.lock[0]).toBe(700);
    // 800's wait times out too, and 666 is dead, but the lock is 700's now: 800 must wait.
    expect(second.next(true).value).toEqual({ kind: 'blocked', holder: 700, spins: 1 });
    const mine = finish(first)!;
    expect(w.lock[0]).toBe(0);
    const theirs = (() => {
      for (let next = second.next(false); ; next = second.next()) {
        if (next.done) return next.value!;
        if (next.value.kind === 'blocked') throw new Error('still blocked');
      }
    })();
    expect(theirs.address).not.toBe(mine.address);
    expect(w.main.stats().repairs).toBe(1);
    w.main.checkInvariants();
  });
});

describe('pages installed while another thread frees a state', () => {
  it('both the new states and the freed one are on the free list, linked both ways', () => {
    const w = world();
    // 21 threads fill the first page (slot 0 is handed out last: highest first).
    const held: StateHandle[] = [];
    for (let tid = 1000; tid < 1021; tid += 1) held.push(w.thread(tid).acquire()!);
    const zero = held.findIndex((handle) => handle.index === 0);
    expect(zero).toBeGreaterThanOrEqual(0);
    const growing = w.thread(2000).acquireSteps();
    stepTo(growing, 'acquire: mapped');
    // Mapped, not yet installed: slot 0's owner gives it back, so it heads the free list.
    w.thread(1000 + zero).release(held[zero]!);
    const got = finish(growing)!;
    w.main.checkInvariants();
    expect(w.main.stats()).toMatchObject({ statesInUse: 21, statesFree: 21, pages: 2 });
    expect(got.index).not.toBe(0);
  });
});

describe('waiting for a held lock (the policy drive() applies to each "blocked" step)', () => {
  type Waiter = { waitForLock(holder: number, spins: number): boolean };
  function held() {
    const w = world();
    w.lock[0] = 4242;
    return { ...w, waiter: w.main as unknown as Waiter };
  }

  it('spins first: the first 2 000 turns never sleep and never report a timeout', () => {
    const { waiter } = held();
    for (const spins of [0, 1, 1000, 1999]) expect(waiter.waitForLock(4242, spins), `turn ${spins}`).toBe(false);
  });

  it('then sleeps at every turn, up to lockCheckMs, and reports the timeout (so a dead holder can be taken over)', () => {
    const { waiter } = held();
    for (const spins of [2000, 2001, 10_000]) expect(waiter.waitForLock(4242, spins), `turn ${spins}`).toBe(true);
  });

  it('a wait that finds the lock already changed hands is not a timeout', () => {
    const { waiter, lock } = held();
    lock[0] = 0;
    expect(waiter.waitForLock(4242, 5000)).toBe(false);
  });
});
