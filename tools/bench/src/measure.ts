// Timing with tinybench: each sample is the mean of a batch of calls sized to take about
// 0.1 ms, so per-call costs near 100 ns are not drowned by the timer. Medians and p99.
import { Bench } from 'tinybench';

export interface Timing {
  /** Median ns per call. */
  readonly ns: number;
  readonly p99: number;
  readonly samples: number;
}

export interface Budget {
  readonly timeMs: number;
  readonly warmupMs: number;
}

/** Calls per batch so one batch takes about 0.1 ms. */
function batchSize(operation: () => unknown): number {
  for (let index = 0; index < 50; index += 1) operation();
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < 2) {
    operation();
    calls += 1;
  }
  const nsPerCall = (2e6 / calls) || 1;
  return Math.max(1, Math.min(10_000, Math.round(100_000 / nsPerCall)));
}

export function time(operation: () => unknown, budget: Budget): Timing {
  const calls = batchSize(operation);
  const bench = new Bench({ time: budget.timeMs, warmupTime: budget.warmupMs, iterations: 5 });
  bench.add('operation', () => {
    const started = bench.now();
    for (let index = 0; index < calls; index += 1) operation();
    const elapsed = bench.now() - started;
    return { overriddenDuration: elapsed / calls, overriddenIterationCost: elapsed };
  });
  bench.runSync();
  const result = bench.tasks[0]!.result;
  if (result.state !== 'completed') throw new Error(`benchmark task ended as ${result.state}`);
  return { ns: result.latency.p50 * 1e6, p99: result.latency.p99 * 1e6, samples: result.latency.samplesCount };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Ratios of each subject to a yardstick, measured in alternating short slices. */
export interface Paired<K extends string> {
  /** Slices measured. */
  readonly slices: number;
  /** Median ns per call of the yardstick over the slices. */
  readonly yardstick: number;
  /** Median ns per call of each subject over the slices. */
  readonly ns: Record<K, number>;
  /** Median over the slices of (subject / the yardstick of the same slice). */
  readonly ratio: Record<K, number>;
}

/**
 * A ratio that a machine flipping between speeds cannot bend: each slice times the yardstick
 * and then every subject, a few tens of ms each, and the ratio is taken within the slice.
 * The median of the per-slice ratios is reported. (Timing A for seconds, then B, puts a
 * speed change on one side only: this VM flips between about 150 and 250 ns per raw call
 * every second or so.)
 */
export function paired<K extends string>(yardstick: () => unknown, subjects: Record<K, () => unknown>, slices: number, slice: Budget): Paired<K> {
  const keys = Object.keys(subjects) as K[];
  const yardsticks: number[] = [];
  const times = new Map<K, number[]>(keys.map((key) => [key, []]));
  const ratios = new Map<K, number[]>(keys.map((key) => [key, []]));
  for (let index = 0; index < slices; index += 1) {
    const base = time(yardstick, slice).ns;
    yardsticks.push(base);
    for (const key of keys) {
      const ns = time(subjects[key], slice).ns;
      times.get(key)!.push(ns);
      ratios.get(key)!.push(ns / base);
    }
  }
  return {
    slices,
    yardstick: median(yardsticks),
    ns: Object.fromEntries(keys.map((key) => [key, median(times.get(key)!)])) as Record<K, number>,
    ratio: Object.fromEntries(keys.map((key) => [key, median(ratios.get(key)!)])) as Record<K, number>,
  };
}
