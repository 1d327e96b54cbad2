// The interleave target: a deterministic scheduler runs several logical threads'
// acquire / release / sweep over one shared pool, one step at a time (the pool's
// acquireSteps / releaseSteps / sweepSteps yield at every point another thread may
// interleave, including inside the lock), and kills threads at chosen steps, including
// while they hold the lock or are in the middle of a sweep. After every step it checks
// that no live thread's state was freed or given to another thread. Thread liveness is
// simulated, so every schedule replays exactly.
import fc from 'fast-check';
import * as slab from '@vgetrandom/slab';
import type { PoolStep, SharedSlabPool, StateHandle, ThreadIdentity } from '@vgetrandom/slab';
import type { Check } from '../runner.js';

export type Action = 'acquire' | 'release' | 'sweep';

export interface InterleaveCase {
  /** Bytes a state: 1024 gives four a 4 KiB page, so threads map new pages often. */
  readonly stateSize: number;
  /** What each thread does, in order. */
  readonly threads: ReadonlyArray<readonly Action[]>;
  /**
   * The schedule, in bursts: the (pick mod runnable)-th runnable thread runs `burst` steps
   * in a row (fewer if it blocks or ends), then the next entry decides; past the end, the
   * first runnable thread runs. Bursts let one thread sit still in the middle of a sweep
   * while others finish whole operations, which is how races show.
   */
  readonly choices: ReadonlyArray<{ readonly pick: number; readonly burst: number }>;
  /** Deaths: at step `at`, the (which mod live)-th live unfinished thread dies instead. */
  readonly deaths: ReadonlyArray<{ readonly at: number; readonly which: number }>;
}

/** What the target needs of @vgetrandom/slab (the real package, or a planted-bug build). */
export type PoolImplementation = Pick<typeof slab, 'SharedSlabPool' | 'SimulatedPageSource'>;

const MAX_STEPS = 20_000;
// SLOT_OWNED in the store: the slot is handed out (not on the free list).
const SLOT_OWNED = -2;

interface Thread {
  readonly tid: number;
  readonly start: number;
  readonly pool: SharedSlabPool;
  readonly script: readonly Action[];
  next: number;
  /** Handles whose acquire() returned and whose release() has not begun. */
  readonly held: StateHandle[];
  running: { steps: Generator<PoolStep, unknown, boolean | undefined>; action: Action; handle?: StateHandle } | undefined;
  blocked: number;
  alive: boolean;
}

/** The shared store's arrays the checks read (SharedStore's, read without its lock: nothing else runs). */
interface StoreView {
  readonly slotNext: Int32Array;
  readonly ownerTid: Int32Array;
  readonly ownerStart: Float64Array;
  readonly lock: Int32Array;
}

export interface InterleaveResult {
  readonly ok: boolean;
  readonly steps: number;
  readonly message?: string;
  /** How many options each step had (for exhaustive exploration). */
  readonly widths: number[];
  /** Lock take-overs from a dead holder (deaths inside the lock) the pool repaired. */
  readonly repairs?: number;
}

/**
 * Runs one schedule. `decide(step, width)` picks among `width` options (steps of runnable
 * threads first, then deaths) when given; otherwise the case's choices and deaths do.
 */
export function runSchedule(testCase: InterleaveCase, implementation: PoolImplementation = slab, decide?: (step: number, width: number, deathsFrom: number) => number, maxDeaths = 1): InterleaveResult {
  const threads: Thread[] = [];
  const identityOf = (tid: number, start: number): ThreadIdentity => ({
    current: () => ({ tid, start }),
    isAlive: (other, otherStart) => {
      const thread = threads.find((entry) => entry.tid === other);
      if (!thread) return true;
      return thread.alive && (otherStart === undefined || otherStart === thread.start);
    },
  });
  const source = new implementation.SimulatedPageSource({ pageSize: 4096 });
  const first = implementation.SharedSlabPool.create({ stateSize: testCase.stateSize, alignment: 64, policy: 'glibc', source, identity: identityOf(1000, 1), lockCheckMs: 1 });
  testCase.threads.forEach((script, index) => {
    const tid = 1001 + index;
    const start = 10 + index;
    const pool = implementation.SharedSlabPool.attach(first.descriptor, { stateSize: testCase.stateSize, alignment: 64, policy: 'glibc', source, identity: identityOf(tid, start), lockCheckMs: 1 });
    threads.push({ tid, start, pool, script, next: 0, held: [], running: undefined, blocked: 0, alive: true });
  });
  // The first pool stands for thread 1000, which takes no scheduled step and never dies: it
  // creates the pool and does the final sweep. threads.find misses it, so it counts as alive.
  const view = (): StoreView => {
    const store = first.slab.store as unknown as StoreView & { refresh(): void };
    // Another thread may have grown the metadata (new buffers); look at the current ones.
    store.refresh();
    return store;
  };
  const widths: number[] = [];
  let deaths = 0;
  const finished = (thread: Thread) => !thread.alive || (thread.running === undefined && thread.next >= thread.script.length);
  const runnable = (thread: Thread) => {
    if (finished(thread)) return false;
    if (thread.blocked === 0) return true;
    const holder = Atomics.load(view().lock, 0);
    // A waiter can go on when the lock is free or its holder is dead (it then takes over).
    return holder !== thread.blocked || !threads.some((other) => other.tid === holder && other.alive);
  };

  const check = (step: number): string | undefined => {
    const { slotNext, ownerTid, ownerStart } = view();
    const seen = new Map<number, number>();
    for (const thread of threads) {
      if (!thread.alive) continue;
      for (const handle of thread.held) {
        const slot = handle.index;
        const other = seen.get(slot);
        if (other !== undefined) return `step ${step}: slot ${slot} is held by live threads ${other} and ${thread.tid}`;
        seen.set(slot, thread.tid);
        if (slotNext[slot] !== SLOT_OWNED) return `step ${step}: live thread ${thread.tid}'s state (slot ${slot}) was freed`;
        if (ownerTid[slot] !== thread.tid || ownerStart[slot] !== thread.start) {
          return `step ${step}: live thread ${thread.tid}'s state (slot ${slot}) now names owner ${ownerTid[slot]} (start ${ownerStart[slot]})`;
        }
      }
    }
    return undefined;
  };

  let step = 0;
  let deathIndex = 0;
  let entry = 0;
  let current: Thread | undefined;
  let remaining = 0;
  const planned = [...testCase.deaths].sort((a, b) => a.at - b.at);
  try {
    for (; step < MAX_STEPS; step += 1) {
      const candidates = threads.filter(runnable);
      // Any live thread can die, also one whose script is done (a worker terminated while
      // it holds its state, which it never gives back).
      const killable = threads.filter((thread) => thread.alive);
      if (candidates.length === 0) {
        const waiting = threads.filter((thread) => !finished(thread));
        if (waiting.length === 0) break;
        return { ok: false, steps: step, widths, message: `step ${step}: deadlock: threads ${waiting.map((thread) => thread.tid).join(', ')} wait and none can go on` };
      }
      const width = candidates.length + (deaths < maxDeaths ? killable.length : 0);
      widths.push(width);
      let victim: Thread | undefined;
      let chosen: Thread | undefined;
      if (decide) {
        const pick = decide(step, width, candidates.length);
        if (pick >= candidates.length) victim = killable[pick - candidates.length];
        else chosen = candidates[pick];
      } else {
        const death = planned[deathIndex];
        if (death && death.at <= step && deaths < maxDeaths) {
          deathIndex += 1;
          victim = killable[death.which % killable.length];
        } else if (current && remaining > 0 && candidates.includes(current)) {
          chosen = current;
        } else {
          const next = testCase.choices[entry];
          entry += 1;
          chosen = candidates[(next?.pick ?? 0) % candidates.length];
          remaining = next?.burst ?? Number.POSITIVE_INFINITY;
        }
        current = chosen;
        remaining -= 1;
      }
      if (victim) {
        // A dead thread runs nothing more: no finally block, no unlock.
        victim.alive = false;
        victim.running = undefined;
        deaths += 1;
        continue;
      }
      const thread = chosen!;
      if (!thread.running) {
        const action = thread.script[thread.next]!;
        thread.next += 1;
        if (action === 'acquire') thread.running = { steps: thread.pool.acquireSteps(), action };
        else if (action === 'sweep') thread.running = { steps: thread.pool.sweepSteps(), action };
        else {
          const handle = thread.held.pop();
          if (!handle) continue;
          thread.running = { steps: thread.pool.releaseSteps(handle), action, handle };
        }
      }
      const running = thread.running!;
      const resumed = thread.blocked !== 0;
      thread.blocked = 0;
      const next = running.steps.next(resumed ? true : undefined);
      if (next.done) {
        thread.running = undefined;
        if (running.action === 'acquire' && next.value) thread.held.push(next.value as StateHandle);
      } else if (next.value.kind === 'blocked') {
        thread.blocked = next.value.holder;
      }
      const broken = check(step);
      if (broken) return { ok: false, steps: step, widths, message: broken };
    }
    if (step >= MAX_STEPS) return { ok: false, steps: step, widths, message: `no end after ${MAX_STEPS} steps: a livelock` };
    // The end: a sweep by a thread that is alive reclaims every dead thread's states.
    first.sweep();
    const { slotNext, ownerTid } = view();
    const liveHeld = threads.filter((thread) => thread.alive).reduce((total, thread) => total + thread.held.length, 0);
    first.checkInvariants();
    for (let slot = 0; slot < slotNext.length; slot += 1) {
      if (slotNext[slot] === SLOT_OWNED && ownerTid[slot] !== 0 && !threads.some((thread) => thread.alive && thread.tid === ownerTid[slot]) && ownerTid[slot] !== 1000) {
        return { ok: false, steps: step, widths, message: `after a final sweep, slot ${slot} is still owned by dead thread ${ownerTid[slot]}` };
      }
    }
    const { statesInUse: inUse, repairs } = first.stats();
    if (inUse !== liveHeld) return { ok: false, steps: step, widths, message: `after a final sweep ${inUse} states are in use; live threads hold ${liveHeld}` };
    return { ok: true, steps: step, widths, repairs };
  } catch (error) {
    return { ok: false, steps: step, widths, message: `step ${step}: ${(error as Error).name}: ${(error as Error).message}` };
  }
}

// Races need deaths and sweeps: most cases kill a thread, and sweeps (also those that
// acquire() runs on its way to growing, with one state a page) come often.
export const interleaveArbitrary: fc.Arbitrary<InterleaveCase> = fc.record({
  stateSize: fc.constantFrom(1024, 4096, 4096),
  threads: fc.array(fc.array(fc.constantFrom<Action>('acquire', 'acquire', 'acquire', 'sweep', 'sweep', 'release'), { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 5 }),
  choices: fc.array(fc.record({ pick: fc.nat({ max: 15 }), burst: fc.integer({ min: 1, max: 40 }) }), { maxLength: 40 }),
  deaths: fc.array(fc.record({ at: fc.nat({ max: 60 }), which: fc.nat({ max: 7 }) }), { maxLength: 2 }),
});

export function checkInterleave(implementation: PoolImplementation = slab): Check<InterleaveCase> {
  return (testCase) => {
    const result = runSchedule(testCase, implementation, undefined, 2);
    return result.ok ? { ok: true, operations: result.steps } : { ok: false, operations: result.steps, message: result.message! };
  };
}

/**
 * Every schedule of a small case, depth first: each step's option (a runnable thread
 * steps, or a thread dies) in turn, up to `limit` schedules. Returns how many ran and the
 * first failure.
 */
export function exploreAll(testCase: Omit<InterleaveCase, 'choices' | 'deaths'>, options: { implementation?: PoolImplementation; maxDeaths?: number; limit?: number } = {}): { schedules: number; complete: boolean; repaired: number; failure?: { message: string; path: number[] } } {
  const limit = options.limit ?? 200_000;
  const path: number[] = [];
  let schedules = 0;
  let repaired = 0;
  for (;;) {
    const taken: number[] = [];
    const widths: number[] = [];
    const result = runSchedule(
      { ...testCase, choices: [], deaths: [] },
      options.implementation,
      (step, width) => {
        const pick = path[step] ?? 0;
        taken[step] = pick;
        widths[step] = width;
        return pick;
      },
      options.maxDeaths ?? 1,
    );
    schedules += 1;
    if ((result.repairs ?? 0) > 0) repaired += 1;
    if (!result.ok) return { schedules, complete: false, repaired, failure: { message: result.message!, path: taken } };
    // Odometer: advance the deepest step that has an option left; drop what follows it.
    let depth = taken.length - 1;
    while (depth >= 0 && taken[depth]! + 1 >= widths[depth]!) depth -= 1;
    if (depth < 0) return { schedules, complete: true, repaired };
    if (schedules >= limit) return { schedules, complete: false, repaired };
    path.length = depth + 1;
    for (let index = 0; index < depth; index += 1) path[index] = taken[index]!;
    path[depth] = taken[depth]! + 1;
  }
}
