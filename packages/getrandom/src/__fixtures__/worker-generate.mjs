// Worker: takes a state by generating, reports it and some output, then waits for "exit".
import { parentPort, workerData } from 'node:worker_threads';
import { backendInfo, getrandom } from '@vgetrandom/getrandom';

const outputs = [];
for (let index = 0; index < workerData.outputs; index += 1) {
  const bytes = new Uint8Array(16);
  getrandom(bytes);
  outputs.push(Buffer.from(bytes).toString('hex'));
}
const info = backendInfo();
parentPort.postMessage({ backend: info.backend, state: info.state?.address.toString(), outputs });
parentPort.once('message', () => parentPort.close());
