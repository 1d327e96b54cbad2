// Scenarios: the threads of a program starting and ending, in order. The same text drives the
// CLI's `slab --trace` over a profile and the oracle's runs of the real glibc and Go, so that a
// schedule that shows a difference can be replayed on either side as it was written.
//
//   +N    N threads start, one after another (each makes one call, so each takes a state)
//   -N    the N oldest threads still running end
//   -tK   thread K ends (threads are numbered from 1 in the order they start)
import { SlabError } from './errors.js';

export type ScenarioStep = { readonly start: number } | { readonly end: number } | { readonly endThread: number };

/** One thread starting or ending: a scenario, expanded. */
export type ThreadEvent = { readonly kind: 'start'; readonly thread: number } | { readonly kind: 'exit'; readonly thread: number };

/** Parses `+3,-1,+2,-t2`. Counts are positive integers; anything else is `ERR_SLAB_BAD_SCENARIO`. */
export function parseScenario(text: string): ScenarioStep[] {
  if (typeof text !== 'string') throw new SlabError('ERR_SLAB_BAD_SCENARIO', `a scenario is a string such as '+3,-1,+2,-t2' (got ${typeof text})`);
  return text.split(',').map((raw) => {
    const part = raw.trim();
    const match = /^(?:\+(\d+)|-(\d+)|-t(\d+))$/.exec(part);
    const count = match ? Number(match[1] ?? match[2] ?? match[3]) : Number.NaN;
    if (!match || !Number.isSafeInteger(count) || count < 1) {
      throw new SlabError('ERR_SLAB_BAD_SCENARIO', `'${part}' is not a step; use +N (N threads start), -N (the N oldest running threads end) or -tK (thread K ends), separated by commas`);
    }
    if (match[1] !== undefined) return { start: count };
    if (match[2] !== undefined) return { end: count };
    return { endThread: count };
  });
}

/** Threads a scenario starts in all. */
export function startsIn(steps: readonly ScenarioStep[]): number {
  return steps.reduce((sum, step) => sum + ('start' in step ? step.start : 0), 0);
}

/**
 * The scenario one thread at a time. Ending a thread that is not running then (or more threads
 * than are running) is `ERR_SLAB_BAD_SCENARIO`, naming the step.
 */
export function threadEvents(steps: readonly ScenarioStep[]): ThreadEvent[] {
  const events: ThreadEvent[] = [];
  const running: number[] = [];
  let started = 0;
  for (const step of steps) {
    if ('start' in step) {
      for (let index = 0; index < step.start; index += 1) {
        started += 1;
        running.push(started);
        events.push({ kind: 'start', thread: started });
      }
    } else if ('end' in step) {
      if (step.end > running.length) throw new SlabError('ERR_SLAB_BAD_SCENARIO', `-${step.end} ends more threads than the ${running.length} running`);
      for (const thread of running.splice(0, step.end)) events.push({ kind: 'exit', thread });
    } else {
      const index = running.indexOf(step.endThread);
      if (index < 0) throw new SlabError('ERR_SLAB_BAD_SCENARIO', `-t${step.endThread}: thread ${step.endThread} is not running then`);
      running.splice(index, 1);
      events.push({ kind: 'exit', thread: step.endThread });
    }
  }
  return events;
}

/** The text of a list of events, which parses back to the same events (`+1` and `-tK` steps, runs of starts joined). */
export function formatScenario(events: readonly ThreadEvent[]): string {
  const parts: string[] = [];
  let starts = 0;
  for (const event of events) {
    if (event.kind === 'start') {
      starts += 1;
      continue;
    }
    if (starts > 0) parts.push(`+${starts}`);
    starts = 0;
    parts.push(`-t${event.thread}`);
  }
  if (starts > 0) parts.push(`+${starts}`);
  return parts.join(',');
}

/**
 * A seeded random schedule of `length` events: a thread starts or a running one (any of them)
 * ends, with at most `maxRunning` running at once. The same seed gives the same schedule on
 * every host (a 32-bit xorshift generator of our own, not Math.random).
 */
export function randomScenario(seed: number, length: number, maxRunning = 64): ThreadEvent[] {
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(length) || length < 1 || !Number.isSafeInteger(maxRunning) || maxRunning < 1) {
    throw new SlabError('ERR_SLAB_BAD_SCENARIO', `a random scenario takes an integer seed, a length >= 1 and maxRunning >= 1 (got ${seed}, ${length}, ${maxRunning})`);
  }
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const events: ThreadEvent[] = [];
  const running: number[] = [];
  let started = 0;
  for (let index = 0; index < length; index += 1) {
    // Starts a little more often than ends, so pools grow past a refill and shrink again.
    const start = running.length === 0 || (running.length < maxRunning && next() % 5 < 3);
    if (start) {
      started += 1;
      running.push(started);
      events.push({ kind: 'start', thread: started });
    } else {
      const [thread] = running.splice(next() % running.length, 1) as [number];
      events.push({ kind: 'exit', thread });
    }
  }
  return events;
}
