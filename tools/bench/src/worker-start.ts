// Rows about what a worker costs to start (issue 25): the first call's latency when 1, 8 and
// 32 workers start at once; fresh workers one after another against node:crypto and against
// a worker that only loads koffi (the floor no koffi user can go under); and the mappings and
// RSS that 1 000 workers leave behind, ours against node:crypto, each in a process of its own.
//
// Run alone: node dist/worker-start.js churn <ours|crypto|koffi> <count>   (prints one JSON line)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const entry = import.meta.resolve('@vgetrandom/getrandom');
const koffiPath = import.meta.resolve('koffi');

/** What a fresh worker does, by kind: `ours` imports the package and makes one randomUUID(). */
const FRESH: Record<'ours' | 'crypto' | 'koffi', string> = {
  ours: `import(${JSON.stringify(entry)}).then(({ randomUUID }) => { randomUUID(); require('node:worker_threads').parentPort.postMessage('done'); });`,
  crypto: `require('node:crypto').randomUUID(); require('node:worker_threads').parentPort.postMessage('done');`,
  // The floor: loading koffi and opening libc, which any koffi user's worker does.
  koffi: `const koffi = require(${JSON.stringify(new URL(koffiPath).pathname)}); koffi.load('libc.so.6'); require('node:worker_threads').parentPort.postMessage('done');`,
};

function message(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    // A worker that ends without a word would otherwise leave this promise, and the run, unsettled.
    worker.once('exit', (code) => reject(new Error(`a worker exited (code ${code}) before it reported`)));
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * First-call latency: `count` workers started at once each import the package, then time their
 * first getrandom(16) (native setup, params, a state). Median and max in ms.
 */
export async function firstCalls(count: number): Promise<{ workers: number; medianMs: number; maxMs: number }> {
  const code = `import(${JSON.stringify(entry)}).then(({ getrandom }) => {
    const started = performance.now();
    getrandom(new Uint8Array(16));
    require('node:worker_threads').parentPort.postMessage(performance.now() - started);
  });`;
  const workers = Array.from({ length: count }, () => new Worker(code, { eval: true }));
  const times = (await Promise.all(workers.map(message))) as number[];
  await Promise.all(workers.map((worker) => worker.terminate()));
  return { workers: count, medianMs: median(times), maxMs: Math.max(...times) };
}

/** The same for a worker that only loads koffi and opens libc: the floor under any koffi user's first call. */
export async function koffiLoads(count: number): Promise<{ workers: number; medianMs: number; maxMs: number }> {
  const code = `const started = performance.now();
    require(${JSON.stringify(new URL(koffiPath).pathname)}).load('libc.so.6');
    require('node:worker_threads').parentPort.postMessage(performance.now() - started);`;
  const workers = Array.from({ length: count }, () => new Worker(code, { eval: true }));
  const times = (await Promise.all(workers.map(message))) as number[];
  await Promise.all(workers.map((worker) => worker.terminate()));
  return { workers: count, medianMs: median(times), maxMs: Math.max(...times) };
}

export interface FirstCallRows {
  /** ms, median of single workers. */
  readonly alone: number;
  readonly eight: { medianMs: number; maxMs: number };
  readonly thirtyTwo: { medianMs: number; maxMs: number };
  /** The same for workers that only load koffi. */
  readonly koffiAlone: number;
  readonly koffiThirtyTwo: { medianMs: number; maxMs: number };
}

/** The first call alone (median of `repeats` single workers), then with 8 and 32 at once; and koffi's own load alike. */
export async function firstCallRows(repeats: number): Promise<FirstCallRows> {
  const alone: number[] = [];
  const koffiAlone: number[] = [];
  for (let index = 0; index < repeats; index += 1) {
    alone.push((await firstCalls(1)).maxMs);
    koffiAlone.push((await koffiLoads(1)).maxMs);
  }
  const eight = await firstCalls(8);
  const thirtyTwo = await firstCalls(32);
  const koffiThirtyTwo = await koffiLoads(32);
  return { alone: median(alone), eight, thirtyTwo, koffiAlone: median(koffiAlone), koffiThirtyTwo };
}

/**
 * Fresh workers one after another, by kind, interleaved in rounds of 5 so that the three
 * kinds see the same machine: ms per worker from `new Worker` to its report, plus its end.
 */
export async function freshWorkers(perKind: number): Promise<Record<keyof typeof FRESH, number>> {
  const total: Record<keyof typeof FRESH, number> = { ours: 0, crypto: 0, koffi: 0 };
  for (let done = 0; done < perKind; done += 5) {
    for (const kind of Object.keys(FRESH) as Array<keyof typeof FRESH>) {
      for (let index = 0; index < Math.min(5, perKind - done); index += 1) {
        const started = performance.now();
        const worker = new Worker(FRESH[kind], { eval: true });
        await message(worker);
        await worker.terminate();
        total[kind] += performance.now() - started;
      }
    }
  }
  return { ours: total.ours / perKind, crypto: total.crypto / perKind, koffi: total.koffi / perKind };
}

const mappings = () => readFileSync('/proc/self/maps', 'utf8').split('\n').length - 1;

type ChurnKind = 'ours' | 'crypto' | 'koffi';
const LOST = Symbol('lost');

/** In this process: `count` workers of `kind` come and go, 8 at a time, half terminated. */
async function churnHere(kind: ChurnKind, count: number): Promise<{ mappingsBefore: number; mappingsAfter: number; rssBefore: number; rssAfter: number; lost: number }> {
  if (kind === 'ours') await import(entry);
  const code = {
    ours: `import(${JSON.stringify(entry)}).then(({ getrandom }) => { getrandom(new Uint8Array(16)); require('node:worker_threads').parentPort.postMessage('ready'); });`,
    crypto: `require('node:crypto').randomFillSync(new Uint8Array(16)); require('node:worker_threads').parentPort.postMessage('ready');`,
    // koffi alone, with its default sizes: what any koffi user's worker leaves.
    koffi: `require(${JSON.stringify(new URL(koffiPath).pathname)}).load('libc.so.6').func('long sysconf(int name)')(84); require('node:worker_threads').parentPort.postMessage('ready');`,
  }[kind];
  // One worker first: what any first worker maps (code, the allocator's arenas) is not churn.
  const first = new Worker(code, { eval: true });
  await message(first);
  await first.terminate();
  globalThis.gc?.();
  const mappingsBefore = mappings();
  const rssBefore = process.memoryUsage.rss();
  let next = 0;
  let lost = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < count) {
      const index = next++;
      const worker = new Worker(code, { eval: true });
      // One that ended before it reported still came and went; the run counts it.
      if ((await message(worker).catch(() => LOST)) === LOST) lost += 1;
      // Half end on their own, half are terminated.
      if (index % 2 === 0) await worker.terminate();
      else {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.unref();
        worker.postMessage('bye');
        await worker.terminate();
        await exited;
      }
    }
  }));
  globalThis.gc?.();
  return { mappingsBefore, mappingsAfter: mappings(), rssBefore, rssAfter: process.memoryUsage.rss(), lost };
}

type Left = { mappings: number; rssMiB: number };

/** Mappings and RSS added per 1 000 workers that came and went: ours, node:crypto's and koffi alone's, each measured in a fresh process. */
export function churnRows(count: number): { workers: number; ours: Left; crypto: Left; koffi: Left } {
  const measure = (kind: ChurnKind) => {
    const output = execFileSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, 'churn', kind, String(count)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const result = JSON.parse(output.trim().split('\n').at(-1)!) as Awaited<ReturnType<typeof churnHere>>;
    const per = 1000 / count;
    return { mappings: (result.mappingsAfter - result.mappingsBefore) * per, rssMiB: ((result.rssAfter - result.rssBefore) / 2 ** 20) * per };
  };
  return { workers: count, ours: measure('ours'), crypto: measure('crypto'), koffi: measure('koffi') };
}

if (process.argv[2] === 'churn') {
  const kind = (['crypto', 'koffi'] as const).find((name) => name === process.argv[3]) ?? 'ours';
  console.log(JSON.stringify(await churnHere(kind, Number(process.argv[4] ?? 1000))));
}
