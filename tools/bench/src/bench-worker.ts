// Worker for the multi-thread rows: waits at a shared start line, then runs its loop for
// the given time and reports how many operations it did.
import { parentPort, workerData } from 'node:worker_threads';
import { getrandom, sharedStatePool } from '@vgetrandom/getrandom';

const { task, ms, start } = workerData as { task: 'getrandom' | 'pool-pair' | 'churn' | 'churn-spin' | 'control'; ms: number; start: Int32Array };
const bytes = new Uint8Array(16);
getrandom(bytes);
if (task === 'churn') {
  parentPort!.postMessage({ ready: true });
  parentPort!.once('message', () => parentPort!.close());
} else if (task === 'churn-spin') {
  parentPort!.postMessage({ ready: true });
  for (;;) getrandom(bytes);
} else {
  const pool = sharedStatePool()!;
  parentPort!.postMessage({ ready: true });
  Atomics.wait(start, 0, 0);
  let operations = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    if (task === 'getrandom') {
      for (let index = 0; index < 1000; index += 1) getrandom(bytes);
      operations += 1000;
    } else if (task === 'control') {
      // Pure JS, no shared memory and no native call: what the machine gives two threads.
      let sum = 0;
      for (let index = 0; index < 100_000; index += 1) sum = (sum + Math.imul(index, 2654435761)) | 0;
      if (sum === 42) bytes[0] = 1;
      operations += 100_000;
    } else {
      for (let index = 0; index < 100; index += 1) {
        const state = pool.acquire()!;
        pool.release(state);
      }
      operations += 100;
    }
    elapsed = performance.now() - started;
  }
  parentPort!.postMessage({ operations, elapsedMs: elapsed });
}
