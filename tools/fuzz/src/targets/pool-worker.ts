// A worker for the pool target: takes a state, reports, then exits or spins until terminated.
import { parentPort, workerData } from 'node:worker_threads';
import { backendInfo, getrandom } from '@vgetrandom/getrandom';

const bytes = new Uint8Array(16);
getrandom(bytes);
const info = backendInfo();
// 'native-busy': this worker's native setup waited too long for others' (a loaded machine);
// it fell back for now, which is correct, and holds no state.
const busy = info.fallbacks.some((fallback) => fallback.reason === 'native-busy');
parentPort!.postMessage({ pool: info.state?.pool ?? 'none', state: info.state?.address.toString() ?? '', busy, why: info.fallbacks.map((fallback) => `${fallback.backend}: ${fallback.reason} (${fallback.detail})`).join('; ') });
if ((workerData as { mode: string }).mode === 'spin') {
  for (;;) getrandom(bytes);
} else {
  parentPort!.once('message', () => parentPort!.close());
}
