// Worker for churn tests: takes a state, reports it, then either waits to be told to
// exit (a normal exit returns the state) or spins in getrandom until terminated.
import { parentPort, workerData } from 'node:worker_threads';
import { backendInfo, getrandom } from '@vgetrandom/getrandom';

const bytes = new Uint8Array(16);
getrandom(bytes);
parentPort.postMessage({ state: backendInfo().state?.address.toString(), pool: backendInfo().state?.pool });
if (workerData.mode === 'spin') {
  for (;;) getrandom(bytes);
} else {
  parentPort.once('message', () => parentPort.close());
}
