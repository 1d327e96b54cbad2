// Worker that takes and returns states as fast as it can, so that it is likely to be
// holding the pool lock when it is terminated.
import { parentPort } from 'node:worker_threads';
import { getrandom, sharedStatePool } from '@vgetrandom/getrandom';

getrandom(new Uint8Array(1));
const pool = sharedStatePool();
parentPort.postMessage('ready');
for (;;) {
  const state = pool.acquire();
  if (state) pool.release(state);
}
