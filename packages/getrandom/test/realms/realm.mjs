// One realm scenario in a process of its own (REALM env, JSON): which thread imports the
// package first, how workers are started, and how they end. Prints one JSON line: every
// thread's backend, fallback reasons and state, how many live threads shared a state, the
// duplicate count over all outputs, and the states still in use once the workers are gone.
//
//   main: 'first' | 'late' | 'never'   when the main thread imports the package
//   runner: 'workers' | 'piscina' | 'tinypool'
//   workers, children (nested workers per worker), outputs (per thread)
//   end: 'exit' | 'terminate' | 'destroy-at-start' | 'destroy-under-load' (delayFraction: when,
//        as a fraction of the time this pool's first tasks take here and now, measured first)
import { Worker } from 'node:worker_threads';
import { countDuplicates, draw } from './draw.mjs';

const config = { main: 'first', runner: 'workers', workers: 4, children: 1, outputs: 50_000, end: 'exit', ...JSON.parse(process.env.REALM ?? '{}') };
const entry = new URL('../../dist/index.js', import.meta.url).href;
const task = new URL('./task.mjs', import.meta.url).href;
if (config.main === 'first') await import(entry);

const reports = [];
let stopAll = async () => {};
if (config.runner === 'workers') {
  const start = (count) => Array.from({ length: count }, () => new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { outputs: config.outputs, children: config.children } }));
  const early = start(config.main === 'late' ? config.workers : 0);
  const firstReports = await Promise.all(early.map((worker) => new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); })));
  if (config.main === 'late') await import(entry);
  const later = start(config.main === 'late' ? config.workers : config.workers);
  const laterReports = await Promise.all(later.map((worker) => new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); })));
  reports.push(...firstReports.flat().map((report) => ({ ...report, started: 'before-import' })), ...laterReports.flat().map((report) => ({ ...report, started: 'after-import' })));
  stopAll = () => Promise.all([...early, ...later].map((worker) => new Promise((resolve) => {
    worker.once('exit', resolve);
    if (config.end === 'terminate') worker.terminate();
    else worker.postMessage('exit');
  })));
} else {
  const Pool = config.runner === 'piscina' ? (await import('piscina')).Piscina : (await import('tinypool')).Tinypool;
  const makePool = () => new Pool({ filename: task, minThreads: config.workers, maxThreads: config.workers, ...(config.runner === 'tinypool' ? { isolateWorkers: false } : {}) });
  if (config.end === 'destroy-at-start' || config.end === 'destroy-under-load') {
    // When do this pool's first tasks finish, here and now (an unstopped pool, median)? The
    // pool is then torn down at `delayFraction` of that: while its workers start, load the
    // package and make their first calls (koffi's setup), or draw.
    const probe = makePool();
    const started = performance.now();
    const firsts = await Promise.all(Array.from({ length: config.workers }, () => probe.run({ outputs: 10 }).then(() => performance.now() - started)));
    await probe.destroy();
    const firstMs = firsts.sort((a, b) => a - b)[Math.floor(firsts.length / 2)];
    const pool = makePool();
    const outputs = config.end === 'destroy-at-start' ? 10 : 2000;
    const pending = Array.from({ length: config.workers * (config.end === 'destroy-at-start' ? 2 : 8) }, () =>
      pool.run({ outputs }).then((report) => reports.push({ ...report, outputs: new Uint8Array(report.outputs) }), () => 'cancelled'));
    await new Promise((resolve) => setTimeout(resolve, firstMs * Number(config.delayFraction ?? 0.5)));
    await pool.destroy();
    await Promise.allSettled(pending);
  } else {
    const pool = makePool();
    // One task per worker, all running at once (each waits for the others before returning).
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const results = await Promise.all(Array.from({ length: config.workers }, () => pool.run({ outputs: config.outputs, gate, parties: config.workers })));
    reports.push(...results.map((report) => ({ ...report, outputs: new Uint8Array(report.outputs) })));
    stopAll = () => pool.destroy();
  }
}

// Every thread that reported is alive here (workers wait to be told to exit; pool tasks wait at the gate).
const held = reports.map((report) => report.state).filter((state) => state !== null);
const sharedStates = held.length - new Set(held).size;
const mine = config.main === 'never' ? undefined : await draw(config.outputs);
const { outputs, duplicates } = countDuplicates([...(mine ? [mine.outputs] : []), ...reports.map((report) => report.outputs)]);
await stopAll();

let statesInUse = null;
if (config.main !== 'never' || process.execArgv.some((argument) => argument.includes('register')) || (process.env.NODE_OPTIONS ?? '').includes('register')) {
  const { getrandom, sharedStatePool } = await import(entry);
  getrandom(new Uint8Array(1));
  const pool = sharedStatePool();
  if (pool) {
    // A pool's destroy() may resolve before its threads have quite ended; a thread that may
    // still be alive keeps its state, so sweep again until only ours is left (200 tries at most).
    for (let attempt = 0; attempt < 200; attempt += 1) {
      pool.sweep();
      if (pool.stats().statesInUse <= 1) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    statesInUse = pool.stats().statesInUse;
  }
}
console.log(JSON.stringify({
  threads: reports.map(({ outputs: _, ...report }) => report),
  main: mine ? { backend: mine.backend, state: mine.state } : null,
  sharedStates,
  outputs,
  duplicates,
  statesInUse,
}));
