// The watchdog's worker: runs a target, shrinks a hanging case, or replays a finding, and
// counts each case it starts in the shared watch (see ../watchdog.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { runTarget } from '../runner.js';
import { replayInProcess, targetParts } from '../targets.js';
import type { WorkerRequest } from '../watchdog.js';

const request = workerData as WorkerRequest;
const port = parentPort!;
switch (request.mode) {
  case 'run': {
    const parts = await targetParts(request.target, request.options);
    const summary = runTarget(request.target, parts.arbitrary, parts.check, {
      seed: request.options.seed,
      runs: request.options.runs,
      timeMs: request.options.timeMs,
      mutant: parts.mutant,
      dryRun: true,
      watch: request.watch,
      onProgress: (progress) => port.postMessage({ progress }),
    });
    port.postMessage({ summary });
    break;
  }
  case 'probe': {
    // One case a message; the watchdog times each and replaces this worker when one hangs.
    const parts = await targetParts(request.target, request.options);
    port.on('message', (input: unknown) => {
      Atomics.add(request.watch.words, 0, 1);
      let ended: boolean | 'threw';
      try {
        ended = parts.check(input).ok;
      } catch {
        // A shrunk case can be malformed (a cut that no generator would make): it ended.
        ended = 'threw';
      }
      port.postMessage({ ended });
    });
    port.postMessage({ ready: true });
    break;
  }
  case 'replay': {
    Atomics.add(request.watch.words, 0, 1);
    port.postMessage({ result: await replayInProcess(request.finding, { againstMutant: request.againstMutant }) });
    break;
  }
}
