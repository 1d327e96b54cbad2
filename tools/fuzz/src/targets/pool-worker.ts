// A worker for the pool target: takes a state, reports, then exits or spins until terminated.
import { parentPort, workerData } from 'node:worker_threads';
import { backendInfo, getrandom } from '@vgetrandom/getrandom';

const bytes = new Uint8Array(16);
getrandom(bytes);
const info = backendInfo();
parentPort!.postMessage({ pool: info.state?.pool ?? 'none', state: info.state?.address.toString() ?? '' });
if ((workerData as { mode: string }).mode === 'spin') {
  for (;;) getrandom(bytes);
} else {
  parentPort!.once('message', () => parentPort!.close());
}
