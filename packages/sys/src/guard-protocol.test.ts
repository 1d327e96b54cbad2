// Every interleaving of the guard protocol's steps, explored depth first: workers that take
// setup steps, and a stopper (a parent's terminate(), a parent's own exit, or process exit)
// that runs its protocol and then stops its target at once, or stops a thread at any step
// without asking (a death the protocol is not told about: only allowed where no guard
// applies). The property: no worker is stopped while it is inside a setup step, and no
// protocol waits forever. Planted bugs show the explorer finds what it must.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as protocol from './guard-protocol.js';
import { type GuardStep, blockWords, claimRecord, bindChild, coverage, freeSubtree, recordsInUse } from './guard-protocol.js';

type Protocol = Pick<typeof protocol, 'enterSetupSteps' | 'leaveSetup' | 'terminateSteps' | 'parentExitSteps' | 'processExitSteps'>;

interface Worker {
  readonly id: number;
  readonly parent: number;
  index: number;
  /** Setup steps still to take (each: enter, one step inside, leave). */
  steps: number;
  inside: boolean;
  alive: boolean;
  running?: Generator<GuardStep, unknown>;
}

type Stopper =
  | { readonly kind: 'terminate'; readonly target: number }
  | { readonly kind: 'parent-exit'; readonly parent: number }
  | { readonly kind: 'process-exit' };

interface Scenario {
  /** Worker ids and their parents (0 = the main thread); each is recorded by its parent. */
  readonly workers: ReadonlyArray<{ readonly id: number; readonly parent: number; readonly steps: number }>;
  readonly stopper: Stopper;
}

/** Which workers a stop takes down: the target and every worker below it. */
function victims(scenario: Scenario, stopper: Stopper): Set<number> {
  const down = new Set<number>();
  const roots = stopper.kind === 'terminate' ? [stopper.target] : stopper.kind === 'parent-exit' ? scenario.workers.filter((worker) => worker.parent === stopper.parent).map((worker) => worker.id) : scenario.workers.map((worker) => worker.id);
  for (const root of roots) down.add(root);
  for (let grew = true; grew; ) {
    grew = false;
    for (const worker of scenario.workers) {
      if (!down.has(worker.id) && down.has(worker.parent)) {
        down.add(worker.id);
        grew = true;
      }
    }
  }
  return down;
}

/**
 * Runs one schedule: `decide(step, width)` picks which runnable party takes its next step.
 * Returns undefined, or what went wrong.
 */
function runSchedule(scenario: Scenario, impl: Protocol, decide: (step: number, width: number) => number): string | undefined {
  const block = new Int32Array(blockWords(8));
  const workers: Worker[] = scenario.workers.map((spec) => ({ ...spec, index: -1, inside: false, alive: true }));
  // Parents record their workers, in order (a parent is recorded before it starts children).
  for (const worker of workers) {
    const ticket = claimRecord(block, worker.parent)!;
    bindChild(block, ticket, worker.id);
    const answer = coverage(block, ticket, worker.id);
    if (!answer.covered) return `worker ${worker.id} should be covered: ${answer.reason}`;
    worker.index = answer.index;
  }
  const stopper = scenario.stopper;
  const down = victims(scenario, stopper);
  const stopSteps =
    stopper.kind === 'terminate' ? impl.terminateSteps(block, stopper.target) : stopper.kind === 'parent-exit' ? impl.parentExitSteps(block, stopper.parent) : impl.processExitSteps(block);
  // The protocol says go (stopDone); Node's stop lands later, at any step (stopped).
  let stopDone = false;
  let stopped = false;
  let stopWaiting = false;
  for (let step = 0; step < 500; step += 1) {
    // A waiting stopper sleeps until a change: it is runnable again once no worker it waits
    // for has ACTIVE set (a schedule that only re-runs a waiter is not a real one).
    const runnableWorkers = workers.filter((worker) => worker.alive && (worker.steps > 0 || worker.running));
    const activeVictim = workers.some((worker) => worker.alive && down.has(worker.id) && (Atomics.load(block, 4 + worker.index * 4 + 3) & protocol.ACTIVE) !== 0);
    const stopperRunnable = !stopped && (stopDone || !stopWaiting || !activeVictim);
    const width = runnableWorkers.length + (stopperRunnable ? 1 : 0);
    if (width === 0) {
      if (!stopped) return `step ${step}: the stopper waits forever`;
      return undefined;
    }
    const pick = decide(step, width);
    if (pick === runnableWorkers.length) {
      if (stopDone) {
        // Node's stop lands: every victim ends where it is.
        for (const worker of workers) {
          if (!down.has(worker.id) || !worker.alive) continue;
          if (worker.inside) return `step ${step}: worker ${worker.id} was stopped inside a setup step`;
          worker.alive = false;
        }
        stopped = true;
        continue;
      }
      const next = stopSteps.next();
      stopWaiting = !next.done && next.value === 'wait';
      stopDone = next.done === true;
      continue;
    }
    const worker = runnableWorkers[pick]!;
    if (!worker.running) {
      worker.running = impl.enterSetupSteps(block, worker.index);
      worker.steps -= 1;
    }
    if (worker.inside) {
      // The one step inside the setup, then leave.
      impl.leaveSetup(block, worker.index);
      worker.inside = false;
      worker.running = undefined;
      continue;
    }
    const next = worker.running.next();
    if (next.done) {
      if (next.value === 'entered') worker.inside = true;
      else worker.running = undefined;
    }
  }
  return 'no end after 500 steps';
}

/** Every schedule, depth first (an odometer over the choices); the first failure, and how many ran. */
function exploreAll(scenario: Scenario, impl: Protocol = protocol, limit = 300_000): { schedules: number; complete: boolean; failure?: string } {
  const path: number[] = [];
  let schedules = 0;
  for (;;) {
    const taken: number[] = [];
    const widths: number[] = [];
    const failure = runSchedule(scenario, impl, (step, width) => {
      const pick = path[step] ?? 0;
      taken[step] = pick;
      widths[step] = width;
      return pick;
    });
    schedules += 1;
    if (failure) return { schedules, complete: false, failure: `${failure} (schedule ${taken.join(',')})` };
    let depth = taken.length - 1;
    while (depth >= 0 && taken[depth]! + 1 >= widths[depth]!) depth -= 1;
    if (depth < 0) return { schedules, complete: true };
    if (schedules >= limit) return { schedules, complete: false };
    path.length = depth + 1;
    for (let index = 0; index < depth; index += 1) path[index] = taken[index]!;
    path[depth] = taken[depth]! + 1;
  }
}

const SCENARIOS: ReadonlyArray<[string, Scenario]> = [
  ['terminate() of a worker taking two setup steps', { workers: [{ id: 1, parent: 0, steps: 2 }], stopper: { kind: 'terminate', target: 1 } }],
  ['terminate() of a parent while its child takes setup steps', { workers: [{ id: 1, parent: 0, steps: 1 }, { id: 2, parent: 1, steps: 2 }], stopper: { kind: 'terminate', target: 1 } }],
  ['terminate() of a grandparent: marks reach two levels down', { workers: [{ id: 1, parent: 0, steps: 0 }, { id: 2, parent: 1, steps: 1 }, { id: 3, parent: 2, steps: 1 }], stopper: { kind: 'terminate', target: 1 } }],
  ['terminate() of one worker while its sibling takes steps (the sibling is not waited for)', { workers: [{ id: 1, parent: 0, steps: 1 }, { id: 2, parent: 0, steps: 2 }], stopper: { kind: 'terminate', target: 1 } }],
  ['a parent ends on its own (process.exit) while its two children take steps', { workers: [{ id: 1, parent: 0, steps: 0 }, { id: 2, parent: 1, steps: 1 }, { id: 3, parent: 1, steps: 1 }], stopper: { kind: 'parent-exit', parent: 1 } }],
  ['process exit while workers at two levels take steps', { workers: [{ id: 1, parent: 0, steps: 1 }, { id: 2, parent: 1, steps: 1 }], stopper: { kind: 'process-exit' } }],
];

describe('the guard protocol, every interleaving', () => {
  it.each(SCENARIOS)('%s: no worker is stopped inside a setup step, no wait is endless', (_name, scenario) => {
    const result = exploreAll(scenario);
    expect(result.failure).toBeUndefined();
    // Every schedule ran (2 606 to 71 874 of them here), not a sample.
    expect(result.complete).toBe(true);
    expect(result.schedules).toBeGreaterThan(50);
    // Up to 2 s alone, 8 s beside a full test run: a limit far above what a loaded machine takes.
  }, 120_000);

  it('finds a worker that looks for marks before it sets ACTIVE (the order the rule forbids)', () => {
    const planted: Protocol = {
      ...protocol,
      *enterSetupSteps(block, index) {
        const marked = (Atomics.load(block, 4 + index * 4 + 3) & protocol.MARKED) !== 0;
        yield 'step';
        if (marked) return 'terminating';
        Atomics.or(block, 4 + index * 4 + 3, protocol.ACTIVE);
        return 'entered';
      },
    };
    expect(exploreAll(SCENARIOS[0]![1], planted).failure).toMatch(/stopped inside a setup step/);
  });

  it('finds a stopper that looks before it marks', () => {
    const planted: Protocol = {
      ...protocol,
      *terminateSteps(block, target) {
        const index = protocol.recordOf(block, target);
        const busy = (Atomics.load(block, 4 + index * 4 + 3) & protocol.ACTIVE) !== 0;
        yield 'step';
        Atomics.or(block, 4 + index * 4 + 3, protocol.MARKED);
        if (busy) yield 'wait';
        return 'clear';
      },
    };
    expect(exploreAll(SCENARIOS[0]![1], planted).failure).toMatch(/stopped inside a setup step/);
  });

  it('finds a worker that checks only its own mark (a parent\'s terminate() would cut its child)', () => {
    const planted: Protocol = {
      ...protocol,
      *enterSetupSteps(block, index) {
        Atomics.or(block, 4 + index * 4 + 3, protocol.ACTIVE);
        yield 'step';
        if ((Atomics.load(block, 4 + index * 4 + 3) & protocol.MARKED) === 0) return 'entered';
        protocol.leaveSetup(block, index);
        return 'terminating';
      },
      *terminateSteps(block, target) {
        const index = protocol.recordOf(block, target);
        Atomics.or(block, 4 + index * 4 + 3, protocol.MARKED);
        yield 'step';
        // Waits for the target only, not for the workers below it.
        while ((Atomics.load(block, 4 + index * 4 + 3) & protocol.ACTIVE) !== 0) yield 'wait';
        return 'clear';
      },
    };
    expect(exploreAll(SCENARIOS[1]![1], planted).failure).toMatch(/worker 2 was stopped inside a setup step/);
  });
});

// Larger trees than exhaustive exploration can cover: random trees of up to 6 workers and 3
// levels, any stopper, random schedules (fast-check shrinks a failure to a small one).
const scenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .array(fc.record({ parentPick: fc.nat(), steps: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 6 })
  .chain((specs) => {
    // Worker i+1's parent is the main thread or an earlier worker, at most 3 levels deep.
    const depth: number[] = [];
    const workers = specs.map((spec, index) => {
      const candidates = [0, ...specs.slice(0, index).map((_, earlier) => earlier + 1).filter((id) => depth[id - 1]! < 3)];
      const parent = candidates[spec.parentPick % candidates.length]!;
      depth.push(parent === 0 ? 1 : depth[parent - 1]! + 1);
      return { id: index + 1, parent, steps: spec.steps };
    });
    const ids = workers.map((worker) => worker.id);
    const stopper: fc.Arbitrary<Stopper> = fc.oneof(
      fc.constantFrom(...ids).map((target) => ({ kind: 'terminate' as const, target })),
      fc.constantFrom(...ids).map((parent) => ({ kind: 'parent-exit' as const, parent })),
      fc.constant({ kind: 'process-exit' as const }),
    );
    return stopper.map((chosen) => ({ workers, stopper: chosen }));
  });

describe('the guard protocol, random schedules over larger trees', () => {
  it('no worker is stopped inside a setup step, no wait is endless (2 000 cases)', () => {
    fc.assert(
      fc.property(scenarioArbitrary, fc.array(fc.nat(), { maxLength: 200 }), (scenario, picks) => {
        const failure = runSchedule(scenario, protocol, (step, width) => (picks[step] ?? step) % width);
        return failure === undefined;
      }),
      { seed: 20261206, numRuns: 2000 },
    );
  }, 120_000);

  it('finds the stopper that waits for its target only, on random trees', () => {
    const planted: Protocol = {
      ...protocol,
      *terminateSteps(block, target) {
        const index = protocol.recordOf(block, target);
        Atomics.or(block, 4 + index * 4 + 3, protocol.MARKED);
        yield 'step';
        while ((Atomics.load(block, 4 + index * 4 + 3) & protocol.ACTIVE) !== 0) yield 'wait';
        return 'clear';
      },
      *enterSetupSteps(block, index) {
        Atomics.or(block, 4 + index * 4 + 3, protocol.ACTIVE);
        yield 'step';
        if ((Atomics.load(block, 4 + index * 4 + 3) & protocol.MARKED) === 0) return 'entered';
        protocol.leaveSetup(block, index);
        return 'terminating';
      },
    };
    const result = fc.check(
      fc.property(scenarioArbitrary, fc.array(fc.nat(), { maxLength: 200 }), (scenario, picks) => runSchedule(scenario, planted, (step, width) => (picks[step] ?? step) % width) === undefined),
      { seed: 20261206, numRuns: 2000 },
    );
    expect(result.failed).toBe(true);
  });
});

describe('the guard records', () => {
  it('coverage: a record made for another worker, a freed one, no ticket, and a chain that stops short of the main thread', () => {
    const block = new Int32Array(blockWords(8));
    const first = claimRecord(block, 0)!;
    bindChild(block, first, 5);
    expect(coverage(block, first, 5)).toEqual({ covered: true, index: first.index });
    // A worker whose parent passed on the ticket it inherited.
    expect(coverage(block, first, 9)).toEqual({ covered: false, reason: 'parent-did-not-import' });
    expect(coverage(block, undefined, 9)).toEqual({ covered: false, reason: 'no-record' });
    // Worker 7's parent (6) has no record: it was started by a thread that had not imported.
    const orphan = claimRecord(block, 6)!;
    expect(coverage(block, orphan, 7)).toEqual({ covered: false, reason: 'pending' });
    bindChild(block, orphan, 7);
    expect(coverage(block, orphan, 7)).toEqual({ covered: false, reason: 'ancestor-did-not-import' });
    freeSubtree(block, first);
    expect(coverage(block, first, 5)).toEqual({ covered: false, reason: 'stale-ticket' });
  });

  it('freeSubtree frees a worker and everything below it, once, and leaves the rest', () => {
    const block = new Int32Array(blockWords(8));
    const make = (parent: number, child: number) => {
      const ticket = claimRecord(block, parent)!;
      bindChild(block, ticket, child);
      return ticket;
    };
    const a = make(0, 1);
    make(1, 2);
    make(2, 3);
    const b = make(0, 4);
    expect(recordsInUse(block)).toBe(4);
    freeSubtree(block, a);
    expect(recordsInUse(block)).toBe(1);
    freeSubtree(block, a);
    expect(recordsInUse(block)).toBe(1);
    expect(coverage(block, b, 4)).toMatchObject({ covered: true });
  });

  it('a full table gives no record (that worker is uncovered), and a freed one is reused with a new nonce', () => {
    const block = new Int32Array(blockWords(2));
    const first = claimRecord(block, 0)!;
    expect(claimRecord(block, 0)).toBeDefined();
    expect(claimRecord(block, 0)).toBeUndefined();
    bindChild(block, first, 1);
    freeSubtree(block, first);
    const reused = claimRecord(block, 0)!;
    expect(reused.index).toBe(first.index);
    expect(reused.nonce).not.toBe(first.nonce);
  });
});
