// The termination guard in a process of its own, driven through its shared lock word.
// GUARD_CASE:
//   'other-holder'  another thread holds the setup lock: terminate() of an idle worker must
//                   not wait for it (it used to, for the whole 10 s limit);
//   'dead-holder'   a worker takes the lock and never lets go: terminate() goes ahead after
//                   the limit and must leave the lock free once the worker is gone.
// Prints one JSON line.
import { Worker, getEnvironmentData } from 'node:worker_threads';

await import(new URL('../dist/index.js', import.meta.url).href);
const lock = new Int32Array(getEnvironmentData('vgetrandom:termination-guard:v1'));
const which = process.env.GUARD_CASE;

function idleWorker() {
  return new Promise((resolve) => {
    const worker = new Worker("require('node:worker_threads').parentPort.postMessage('up'); setInterval(() => {}, 1000);", { eval: true });
    worker.once('message', () => resolve(worker));
  });
}

if (which === 'other-holder') {
  const worker = await idleWorker();
  Atomics.store(lock, 0, 999_999); // a setup in another thread, in progress
  const started = Date.now();
  // The old terminate() blocked this thread in its lock wait, so no timer could race it:
  // the elapsed time is the evidence.
  await worker.terminate();
  const ms = Date.now() - started;
  const holder = Atomics.load(lock, 0);
  Atomics.store(lock, 0, 0);
  console.log(JSON.stringify({ ms, holder }));
  process.exit(0);
}

if (which === 'dead-holder') {
  const worker = new Worker(`
    const { parentPort, getEnvironmentData, threadId } = require('node:worker_threads');
    const lock = new Int32Array(getEnvironmentData('vgetrandom:termination-guard:v1'));
    while (Atomics.compareExchange(lock, 0, 0, threadId + 1) !== 0);
    parentPort.postMessage('holding');
    for (;;);`, { eval: true });
  await new Promise((resolve) => worker.once('message', resolve));
  const heldBy = Atomics.load(lock, 0) === worker.threadId + 1;
  await worker.terminate();
  console.log(JSON.stringify({ heldBy, after: Atomics.load(lock, 0) }));
  process.exit(0);
}
throw new Error(`GUARD_CASE ${which}?`);
