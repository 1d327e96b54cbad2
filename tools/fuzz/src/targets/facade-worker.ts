// One of several workers fuzzing the facade at once; reports its runs and outputs.
import { parentPort, workerData } from 'node:worker_threads';
import { runTarget } from '../runner.js';
import { checkFacade, facadeArbitrary } from './facade.js';

const { seed, runs, timeMs } = workerData as { seed: number; runs?: number; timeMs?: number };
const outputs = new Set<string>();
const summary = runTarget('facade', facadeArbitrary, checkFacade(outputs), { seed, runs, timeMs, dryRun: true });
parentPort!.postMessage({ summary, outputs: [...outputs] });
