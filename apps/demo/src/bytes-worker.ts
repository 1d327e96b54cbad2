// A worker for `vgetrandom bytes` on large outputs: fills each buffer it is sent with its own
// vgetrandom state and sends it back (transferred, not copied). The main thread writes the
// buffers in order. The backend is the one the main thread's engine was asked for.
import { parentPort, workerData } from 'node:worker_threads';
import { createApi, createEngine } from '@vgetrandom/getrandom';

const { backend } = workerData as { backend?: string };
const api = createApi(backend ? createEngine({ backend }) : createEngine());
parentPort!.on('message', (message: { index: number; buffer: ArrayBuffer } | 'exit') => {
  if (message === 'exit') {
    parentPort!.close();
    return;
  }
  api.getrandom(new Uint8Array(message.buffer));
  parentPort!.postMessage(message, [message.buffer]);
});
