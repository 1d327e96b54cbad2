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
