// A worker for the tour: takes a state from the shared pool, then waits to be told to exit.
import { parentPort } from 'node:worker_threads';
import { getrandom } from '@vgetrandom/getrandom';

getrandom(new Uint8Array(1));
parentPort!.postMessage('ready');
parentPort!.once('message', () => parentPort!.close());
