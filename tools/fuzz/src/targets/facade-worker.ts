// One of several workers fuzzing the facade at once; reports its runs, its 16-byte
// outputs, and how the distributions of its samples were judged.
import { parentPort, workerData } from 'node:worker_threads';
import { type FacadeMutantName, facadeMutants } from '../mutants.js';
import { runTarget } from '../runner.js';
import { Samples, checkFacade, facadeArbitrary, judgeDistributions } from './facade.js';

const { seed, runs, timeMs, mutant } = workerData as { seed: number; runs?: number; timeMs?: number; mutant?: FacadeMutantName };
const outputs = new Set<string>();
const samples = new Samples();
const summary = runTarget('facade', facadeArbitrary, checkFacade(outputs, samples, mutant ? facadeMutants[mutant] : undefined), { seed, runs, timeMs, dryRun: true, mutant });
parentPort!.postMessage({ summary, outputs: [...outputs], distributions: judgeDistributions(samples.toJSON()) });
