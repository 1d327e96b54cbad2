// Dropped engines on the real shared pool, in a process of its own (run with --expose-gc):
// the main thread drops 2 000 engines that each took a state; a worker drops 100 and keeps
// 100 alive until it exits normally. Prints the states in use at each step as one JSON line.
import { Worker } from 'node:worker_threads';

const entry = new URL('../../dist/index.js', import.meta.url).href;
const { createApi, createEngine, getrandom, sharedStatePool } = await import(entry);
getrandom(new Uint8Array(4));
const pool = sharedStatePool();
const inUse = () => pool.stats().statesInUse;

async function collectUntil(done) {
  for (let round = 0; round < 50 && !done(); round += 1) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

for (let index = 0; index < 2000; index += 1) createApi(createEngine()).getrandom(new Uint8Array(16));
const afterDrop = inUse();
await collectUntil(() => inUse() === 1);
const afterGc = inUse();

const worker = new Worker(
  `const { parentPort } = require('node:worker_threads');
   import(${JSON.stringify(entry)}).then(({ createApi, createEngine }) => {
     const kept = [];
     for (let index = 0; index < 200; index += 1) {
       const api = createApi(createEngine());
       api.getrandom(new Uint8Array(16));
       if (index % 2 === 0) kept.push(api);
     }
     globalThis.gc();
     parentPort.postMessage(kept.length);
     parentPort.once('message', () => process.exit(0));
   });`,
  { eval: true },
);
const kept = await new Promise((resolve) => worker.once('message', resolve));
const whileWorkerLives = inUse();
await new Promise((resolve) => { worker.once('exit', resolve); worker.postMessage('exit'); });
const afterWorkerExit = inUse();
pool.checkInvariants();
console.log(JSON.stringify({ afterDrop, afterGc, kept, whileWorkerLives, afterWorkerExit }));
