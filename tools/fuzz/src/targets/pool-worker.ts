// A worker for the pool target: takes a state, reports, then exits or spins until terminated.
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { backendInfo, getrandom } from '@vgetrandom/getrandom';

/** How long a worker keeps retrying native setup on a loaded machine before it reports "busy". */
const BUSY_PATIENCE_MS = 60_000;

const bytes = new Uint8Array(16);
getrandom(bytes);
let info = backendInfo();
// 'native-busy': other workers held the native-setup lock too long (a loaded machine, as
// when 80 start at once on two cores). The call fell back, which is correct, and the engine
// tries the vDSO again after its back-off; wait for that, as a long-lived caller would, so
// that this worker really holds a state while it lives. Without this, a loaded CI host ends
// the run with fewer than 64 states held and the shared metadata never grows.
const refusedForNow = () => info.state === undefined && info.fallbacks.some((fallback) => fallback.reason === 'native-busy');
const deadline = Date.now() + BUSY_PATIENCE_MS;
while (refusedForNow() && Date.now() < deadline) {
  await sleep(Math.max(10, info.retry?.inMs ?? 50));
  getrandom(bytes);
  info = backendInfo();
}
const busy = refusedForNow();
parentPort!.postMessage({ pool: info.state?.pool ?? 'none', state: info.state?.address.toString() ?? '', busy, why: info.fallbacks.map((fallback) => `${fallback.backend}: ${fallback.reason} (${fallback.detail})`).join('; ') });
if ((workerData as { mode: string }).mode === 'spin') {
  for (;;) getrandom(bytes);
} else {
  parentPort!.once('message', () => parentPort!.close());
}
