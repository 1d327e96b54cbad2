// Rows that need several threads: scaling of getrandom across workers, the shared pool's
// pair cost under contention, and memory across worker churn.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { getrandom, sharedStatePool } from '@vgetrandom/getrandom';

const workerUrl = new URL('./bench-worker.js', import.meta.url);

async function race(task: 'getrandom' | 'pool-pair' | 'control', workers: number, ms: number): Promise<Array<{ operations: number; elapsedMs: number }>> {
  const start = new Int32Array(new SharedArrayBuffer(4));
  const threads = Array.from({ length: workers }, () => new Worker(workerUrl, { workerData: { task, ms, start } }));
  await Promise.all(threads.map((thread) => once(thread, 'message')));
  const results = threads.map((thread) => once(thread, 'message').then(([message]) => message as { operations: number; elapsedMs: number }));
  Atomics.store(start, 0, 1);
  Atomics.notify(start, 0);
  const reports = await Promise.all(results);
  await Promise.all(threads.map((thread) => thread.terminate()));
  return reports;
}

/**
 * Aggregate getrandom(16) calls a second with 1 and with 2 workers, after the same for a
 * pure-JS control loop: when the control itself does not scale, the machine is too loaded
 * (or has fewer cores than it says) to judge ours.
 */
export async function scaling(ms: number): Promise<{ one: number; two: number; ratio: number; controlRatio: number }> {
  const rate = (reports: Array<{ operations: number; elapsedMs: number }>) => reports.reduce((total, report) => total + report.operations / (report.elapsedMs / 1000), 0);
  const controlRatio = rate(await race('control', 2, ms)) / rate(await race('control', 1, ms));
  const one = rate(await race('getrandom', 1, ms));
  const two = rate(await race('getrandom', 2, ms));
  return { one, two, ratio: two / one, controlRatio };
}

/** ns per acquire+release pair on the shared pool, with 2 workers contending. */
export async function contendedPair(ms: number): Promise<number> {
  getrandom(new Uint8Array(1));
  const reports = await race('pool-pair', 2, ms);
  const perPair = reports.map((report) => (report.elapsedMs * 1e6) / report.operations);
  return perPair.reduce((total, value) => total + value, 0) / perPair.length;
}

/** RSS before and after `count` workers come and go (8 at a time, half terminated). */
export async function churn(count: number): Promise<{ workers: number; rssBefore: number; rssAfter: number; mappedBytes: number; statesInUse: number; peakStates: number; bytesPerPeakState: number }> {
  getrandom(new Uint8Array(1));
  const pool = sharedStatePool()!;
  global.gc?.();
  const rssBefore = process.memoryUsage.rss();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const index = next++;
        const spin = index % 2 === 1;
        const worker = new Worker(workerUrl, { workerData: { task: spin ? 'churn-spin' : 'churn', ms: 0, start: new Int32Array(new SharedArrayBuffer(4)) } });
        await once(worker, 'message');
        const exited = once(worker, 'exit');
        if (spin) await worker.terminate();
        else worker.postMessage('exit');
        await exited;
      }
    }),
  );
  pool.sweep();
  global.gc?.();
  const stats = pool.stats();
  return {
    workers: count,
    rssBefore,
    rssAfter: process.memoryUsage.rss(),
    mappedBytes: stats.mappedBytes,
    statesInUse: stats.statesInUse,
    peakStates: stats.highWater,
    bytesPerPeakState: stats.mappedBytes / Math.max(1, stats.highWater),
  };
}
