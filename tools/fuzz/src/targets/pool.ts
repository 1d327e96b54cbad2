// The pool target: many workers come and go against the shared pool, some exiting
// normally and some terminated mid-loop, in a seeded random order. Afterwards only the
// main thread may hold a state, and memory is bounded by the peak of live threads.
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { getrandom, sharedStatePool } from '@vgetrandom/getrandom';
import { pageSize } from '@vgetrandom/sys';
import type { Finding } from '../finding.js';
import { writeFinding } from '../finding.js';
import type { Progress, RunSummary } from '../runner.js';

export type PoolPlan = ReadonlyArray<{ readonly mode: 'exit' | 'spin'; readonly delayMs: number }>;

/** Workers alive at once by default: more than the shared metadata's first 64 slots, so it must grow. */
export const DEFAULT_POOL_CONCURRENCY = 80;

export interface PoolOptions {
  readonly seed: number;
  readonly workers: number;
  readonly concurrency?: number;
  /** The order of exits and terminations; drawn from the seed when absent (a finding stores it). */
  readonly plan?: PoolPlan;
  readonly onProgress?: (progress: Progress) => void;
  readonly dryRun?: boolean;
  readonly findingsDirectory?: string;
}

import { builtWorker } from '../built.js';

const workerUrl = builtWorker('pool-worker.js');

/** `slots`: the most states held at once (each live worker holds one): past 64, the shared metadata grew. */
export async function runPool(options: PoolOptions): Promise<RunSummary & { peakWorkers?: number; slots?: number; busyWorkers?: number }> {
  const started = performance.now();
  const concurrency = options.concurrency ?? DEFAULT_POOL_CONCURRENCY;
  const plan: PoolPlan =
    options.plan ??
    fc.sample(
      fc.array(fc.record({ mode: fc.constantFrom<'exit' | 'spin'>('exit', 'spin'), delayMs: fc.integer({ min: 0, max: 3 }) }), { minLength: options.workers, maxLength: options.workers }),
      { seed: options.seed, numRuns: 1 },
    )[0]!;
  getrandom(new Uint8Array(1));
  const pool = sharedStatePool();
  const fail = (invariant: string): RunSummary => {
    const finding: Finding = { target: 'pool', seed: options.seed, invariant, input: { workers: options.workers, concurrency, seed: options.seed, plan }, foundAt: new Date().toISOString() };
    const path = options.dryRun ? undefined : writeFinding(finding, options.findingsDirectory);
    const elapsedMs = performance.now() - started;
    return { target: 'pool', seed: options.seed, runs: done, operations: done, elapsedMs, operationsPerSecond: done / (elapsedMs / 1000), findings: 1, finding: { ...finding, ...(path ? { path } : {}) } };
  };
  if (!pool) return fail('the main thread got no shared pool (is vDSO getrandom available?)');
  const live = new Map<string, number>();
  let next = 0;
  let done = 0;
  let alive = 0;
  let peak = 0;
  let busy = 0;
  let problem: string | undefined;
  // The first wave holds its states until all of it has reported: otherwise on a loaded host
  // each worker gives its state back before the slow-starting later ones take theirs, and
  // fewer than 64 are ever held at once, so the shared metadata never has to grow.
  const firstWave = Math.min(concurrency, options.workers);
  let reported = 0;
  let waveReported: () => void = () => {};
  const waveHeld = new Promise<void>((resolve) => {
    waveReported = resolve;
  });
  const runOne = async (index: number) => {
    const { mode, delayMs } = plan[index]!;
    const worker = new Worker(workerUrl, { workerData: { mode } });
    alive += 1;
    peak = Math.max(peak, alive);
    const report = await new Promise<{ pool: string; state: string; busy: boolean; why: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (report.busy) busy += 1;
    else if (report.pool !== 'shared') problem ??= `worker ${index} used a ${report.pool} pool${report.why ? ` (${report.why})` : ''}`;
    if (!report.busy && live.has(report.state)) problem ??= `worker ${index} got state ${report.state}, held by live worker ${live.get(report.state)}`;
    if (!report.busy) live.set(report.state, index);
    if ((reported += 1) === firstWave) waveReported();
    if (index < firstWave) await waveHeld;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    // Forget the state before the worker can give it back, so its successor may reuse it.
    live.delete(report.state);
    if (mode === 'exit') worker.postMessage('exit');
    else await worker.terminate();
    await exited;
    alive -= 1;
    done += 1;
    if (done % 25 === 0) {
      try {
        pool.checkInvariants();
      } catch (error) {
        problem ??= (error as Error).message;
      }
    }
    options.onProgress?.({ runs: done, operations: done, elapsedMs: performance.now() - started, findings: problem ? 1 : 0 });
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < options.workers && problem === undefined) await runOne(next++);
    }),
  );
  if (problem) return fail(problem);
  pool.sweep();
  try {
    pool.checkInvariants();
  } catch (error) {
    return fail((error as Error).message);
  }
  const stats = pool.stats();
  if (stats.statesInUse !== 1) return fail(`after the churn ${stats.statesInUse} states are in use; only the main thread should hold one`);
  const bound = pageSize() * (Math.ceil((peak + 1) / stats.statesPerPage) + 1);
  if (stats.mappedBytes > bound) return fail(`the pool maps ${stats.mappedBytes} bytes; peak concurrency ${peak} allows ${bound}`);
  const elapsedMs = performance.now() - started;
  return { target: 'pool', seed: options.seed, runs: done, operations: done, elapsedMs, operationsPerSecond: done / (elapsedMs / 1000), findings: 0, peakWorkers: peak, slots: stats.highWater, busyWorkers: busy };
}
