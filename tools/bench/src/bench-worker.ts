// Worker for the multi-thread rows: waits at a shared start line, then runs its loop for
// the given time and reports how many operations it did.
import { parentPort, workerData } from 'node:worker_threads';
import { getrandom, sharedStatePool } from '@vgetrandom/getrandom';

const { task, ms, start } = workerData as { task: 'getrandom' | 'pool-pair' | 'churn' | 'churn-spin'; ms: number; start: Int32Array };
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
