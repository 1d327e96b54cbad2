// The process-wide pool with real worker threads: concurrency, churn with terminations,
// and threads killed while holding the pool lock.
import { Worker } from 'node:worker_threads';
import { discoverParams } from '@vgetrandom/params';
import { pageSize } from '@vgetrandom/sys';
import { describe, expect, it } from 'vitest';
import { backendInfo, getrandom, sharedStatePool } from './index.js';

const vdsoHere = process.platform === 'linux' && discoverParams().supported;
const fixture = (name: string) => new URL(`./__fixtures__/${name}`, import.meta.url);
const exited = (worker: Worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve()));
const firstMessage = <T>(worker: Worker) => new Promise<T>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });

describe.skipIf(!vdsoHere)('the shared state pool with real workers (needs vDSO getrandom)', () => {
  it('dropped engines give their states back when collected; a worker\'s live engines give theirs back at exit', async () => {
    const { execFileSync } = await import('node:child_process');
    const output = execFileSync(process.execPath, ['--expose-gc', new URL(fixture('engines-dropped.mjs')).pathname], { encoding: 'utf8' });
    const report = JSON.parse(output.trim().split('\n').at(-1)!);
    expect(report.afterDrop).toBe(2001);
    expect(report.afterGc).toBe(1);
    // The worker's 100 kept engines hold states while it lives (its dropped ones may be back already).
    expect(report.kept).toBe(100);
    expect(report.whileWorkerLives).toBeGreaterThanOrEqual(101);
    expect(report.afterWorkerExit).toBe(1);
  }, 120_000);

  it('64 concurrent workers hold 64 distinct states, invariants hold throughout, outputs never repeat', async () => {
    getrandom(new Uint8Array(1));
    const pool = sharedStatePool()!;
    const workers = Array.from({ length: 64 }, () => new Worker(fixture('worker-generate.mjs'), { workerData: { outputs: 100 } }));
    const reports: Array<{ state: string; outputs: string[]; backend: string }> = [];
    const all = Promise.all(workers.map((worker) => firstMessage<(typeof reports)[number]>(worker).then((report) => reports.push(report))));
    let checks = 0;
    const checker = setInterval(() => {
      pool.checkInvariants();
      checks += 1;
    }, 2);
    await all;
    clearInterval(checker);
    pool.checkInvariants();
    expect(checks).toBeGreaterThan(0);
    expect(reports.every((report) => report.backend === 'vdso')).toBe(true);
    const states = new Set([...reports.map((report) => report.state), backendInfo().state!.address.toString()]);
    expect(states.size).toBe(65);
    const outputs = reports.flatMap((report) => report.outputs);
    expect(new Set(outputs).size).toBe(outputs.length);
    await Promise.all(workers.map((worker) => { const done = exited(worker); worker.postMessage('exit'); return done; }));
    expect(pool.stats().statesInUse).toBe(1);
    pool.checkInvariants();
  });

  it('500 workers come and go (half exit, half are terminated mid-loop): no leak, memory bounded by peak concurrency', async () => {
    getrandom(new Uint8Array(1));
    const pool = sharedStatePool()!;
    const concurrency = 8;
    let alive = 0;
    let peak = 0;
    let started = 0;
    const runOne = async (index: number) => {
      const mode = index % 2 === 0 ? 'exit' : 'spin';
      const worker = new Worker(fixture('worker-churn.mjs'), { workerData: { mode } });
      alive += 1;
      peak = Math.max(peak, alive);
      const report = await firstMessage<{ pool: string }>(worker);
      expect(report.pool).toBe('shared');
      const done = exited(worker);
      if (mode === 'exit') worker.postMessage('exit');
      else await worker.terminate();
      await done;
      alive -= 1;
    };
    const lanes = Array.from({ length: concurrency }, async () => {
      while (started < 500) await runOne(started++);
    });
    await Promise.all(lanes);
    pool.sweep();
    pool.checkInvariants();
    const stats = pool.stats();
    // Only the main thread still holds a state.
    expect(stats.statesInUse).toBe(1);
    // Bounded by the peak of live threads (workers + main) plus the reclaim allowance of one empty chunk.
    const bound = pageSize() * (Math.ceil((peak + 1) / stats.statesPerPage) + 1);
    expect(stats.mappedBytes).toBeLessThanOrEqual(bound);
  }, 120_000);

  it('workers terminated while hammering the pool lock never corrupt it', async () => {
    getrandom(new Uint8Array(1));
    const pool = sharedStatePool()!;
    for (let round = 0; round < 12; round += 1) {
      const workers = Array.from({ length: 2 }, () => new Worker(fixture('worker-hammer.mjs')));
      await Promise.all(workers.map((worker) => firstMessage(worker)));
      await new Promise((resolve) => setTimeout(resolve, 1 + (round % 5)));
      await Promise.all(workers.map((worker) => worker.terminate()));
      // Whatever state the lock and metadata were left in, we can still use the pool.
      const state = pool.acquire();
      expect(state).not.toBeNull();
      pool.release(state!);
      pool.sweep();
      pool.checkInvariants();
    }
    expect(pool.stats().statesInUse).toBe(1);
  }, 60_000);
});
