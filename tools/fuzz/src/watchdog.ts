// The watchdog: the fast-check targets run in a worker whose progress a shared counter
// shows. A case that runs past its budget is a finding of kind 'hang': the worker is
// stopped, the case is recovered (re-drawn from the seed, or read back while shrinking),
// shrunk by restarting from each smaller case that hangs too, and stored for replay. So an
// endless loop is reported instead of stalling the run, and the fast path pays one atomic
// add a case.
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { builtWorker } from './built.js';
import { type Finding, writeFinding } from './finding.js';
import { type Progress, type RunSummary, type Watch, createWatch, publishedCase } from './runner.js';
import type { ReplayResult, TargetOptions, WatchedTarget } from './targets.js';

export const DEFAULT_HANG_MS = 5000;
/** How long a worker may take to load before its first case (esbuild, koffi). */
const STARTUP_MS = 120_000;
/** Candidates tried while shrinking a hang, and the time that may take beyond the hangs themselves. */
const MAX_SHRINK_TRIES = 2000;
const MAX_SHRINK_HANGS = 40;
const MAX_SHRINK_MS = 60_000;

export type WorkerRequest =
  | { readonly mode: 'run'; readonly target: WatchedTarget; readonly options: TargetOptions; readonly watch: Watch }
  | { readonly mode: 'probe'; readonly target: WatchedTarget; readonly options: TargetOptions; readonly watch: Watch }
  | { readonly mode: 'replay'; readonly finding: Finding; readonly againstMutant: boolean; readonly watch: Watch };

type Watched<M> = { readonly kind: 'done'; readonly message: M } | { readonly kind: 'hang'; readonly started: number };

/** Runs a worker request; resolves with its last message, or 'hang' once its counter stalls. */
function watchWorker<M>(request: WorkerRequest, hangMs: number, onProgress?: (progress: Progress) => void): Promise<Watched<M>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(builtWorker('run-worker.js'), { workerData: request });
    const words = request.watch.words;
    let seen = 0;
    let since = performance.now();
    const timer = setInterval(
      () => {
        const started = Atomics.load(words, 0);
        const now = performance.now();
        if (started !== seen) {
          seen = started;
          since = now;
          return;
        }
        const limit = started === 0 ? STARTUP_MS : hangMs;
        if (now - since <= limit) return;
        clearInterval(timer);
        void worker.terminate();
        if (started === 0) reject(new Error(`the ${request.mode} worker did not start a case within ${STARTUP_MS} ms`));
        else resolve({ kind: 'hang', started });
      },
      Math.max(10, Math.min(100, hangMs / 5)),
    );
    worker.on('message', (message: { progress?: Progress } & M) => {
      if (message.progress) {
        onProgress?.(message.progress);
        return;
      }
      clearInterval(timer);
      resolve({ kind: 'done', message });
    });
    worker.once('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
  });
}

/** A target run under the watchdog. */
export async function runWatched(target: WatchedTarget, options: TargetOptions): Promise<RunSummary> {
  const hangMs = options.hangMs ?? DEFAULT_HANG_MS;
  const plain = (await import('./targets.js')).plainOptions(options);
  const started = performance.now();
  const watch = createWatch();
  const outcome = await watchWorker<{ summary: RunSummary }>({ mode: 'run', target, options: plain, watch }, hangMs, options.onProgress);
  if (outcome.kind === 'done') {
    const { summary } = outcome.message;
    if (!summary.finding || options.dryRun) return summary;
    const path = writeFinding(summary.finding, options.findingsDirectory);
    return { ...summary, finding: { ...summary.finding, path } };
  }
  // The case that hung: re-drawn from the seed (cases are drawn in order, one a property
  // call), or, if fast-check was already shrinking another failure, the one it published.
  const { targetParts } = await import('./targets.js');
  const parts = await targetParts(target, plain);
  const hung = Atomics.load(watch.words, 1) === 1 ? publishedCase(watch) : fc.sample(parts.arbitrary, { seed: options.seed, numRuns: outcome.started })[outcome.started - 1];
  const input = hung === undefined ? undefined : await shrinkHang(target, plain, hung, hangMs);
  const elapsedMs = performance.now() - started;
  const finding: Finding = {
    target,
    seed: options.seed,
    invariant: `hang: a case ran past its ${hangMs} ms budget (an endless loop or a runaway walk)`,
    kind: 'hang',
    budgetMs: hangMs,
    ...(parts.mutant ? { mutant: parts.mutant } : {}),
    input,
    foundAt: new Date().toISOString(),
  };
  const path = options.dryRun ? undefined : writeFinding(finding, options.findingsDirectory);
  return { target, seed: options.seed, runs: outcome.started, operations: 0, elapsedMs, operationsPerSecond: 0, findings: 1, finding: { ...finding, ...(path ? { path } : {}) } };
}

/** Replays a finding of a watched target in a worker, under the finding's budget (or the default). */
export async function replayWatched(finding: Finding, options: { againstMutant?: boolean } = {}): Promise<ReplayResult> {
  const budget = finding.budgetMs ?? DEFAULT_HANG_MS;
  const outcome = await watchWorker<{ result: ReplayResult }>({ mode: 'replay', finding, againstMutant: options.againstMutant === true, watch: createWatch(16) }, budget);
  if (outcome.kind === 'hang') return { reproduced: true, message: `hang: the case still ran after ${budget} ms` };
  return outcome.message.result;
}

/** A worker that runs one case at a time, and is replaced when one of them hangs. */
class Prober {
  private worker: Worker | undefined;
  constructor(
    private readonly target: WatchedTarget,
    private readonly options: TargetOptions,
    private readonly hangMs: number,
  ) {}

  private async start(): Promise<Worker> {
    const worker = new Worker(builtWorker('run-worker.js'), { workerData: { mode: 'probe', target: this.target, options: this.options, watch: createWatch(16) } satisfies WorkerRequest });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return worker;
  }

  /** True when `input` runs past the budget (the worker is then replaced). */
  async hangs(input: unknown): Promise<boolean> {
    const worker = (this.worker ??= await this.start());
    return new Promise<boolean>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      const onMessage = () => {
        settle();
        resolve(false);
      };
      const onError = (error: Error) => {
        settle();
        reject(error);
      };
      const timer = setTimeout(() => {
        settle();
        void worker.terminate();
        this.worker = undefined;
        resolve(true);
      }, this.hangMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(input);
    });
  }

  close(): void {
    void this.worker?.terminate();
  }
}

/**
 * Smaller versions of a plain-data case. Cuts first (array elements removed: halves,
 * quarters, ... single ones, at any depth), then numbers toward zero (0, then half). Generic,
 * so it shrinks any target's stored input, mapped or not.
 */
export function* smallerCases(value: unknown, kind: 'cuts' | 'numbers' = 'cuts'): Generator<unknown> {
  if (Array.isArray(value)) {
    if (kind === 'cuts') {
      for (let size = Math.max(1, value.length >> 1); size >= 1; size >>= 1) {
        for (let start = 0; start + size <= value.length; start += size) yield [...value.slice(0, start), ...value.slice(start + size)];
        if (size === 1) break;
      }
    }
    for (let index = 0; index < value.length; index += 1) {
      for (const smaller of smallerCases(value[index], kind)) yield value.map((entry, at) => (at === index ? smaller : entry));
    }
    return;
  }
  if (typeof value === 'number') {
    if (kind === 'numbers' && Number.isInteger(value) && value !== 0) {
      yield 0;
      if (Math.abs(value) > 1) yield Math.trunc(value / 2);
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) {
      for (const smaller of smallerCases(entry, kind)) yield { ...value, [key]: smaller };
    }
  }
}

/** Greedy shrinking of a hanging case: take the first smaller case that still hangs, repeat. */
async function shrinkHang(target: WatchedTarget, options: TargetOptions, input: unknown, hangMs: number): Promise<unknown> {
  const prober = new Prober(target, options, hangMs);
  let current = input;
  let tries = 0;
  let hangs = 0;
  const deadline = performance.now() + (options.hangShrinkMs ?? MAX_SHRINK_MS);
  const out = () => tries >= MAX_SHRINK_TRIES || hangs >= MAX_SHRINK_HANGS || performance.now() > deadline;
  try {
    for (const kind of ['cuts', 'numbers'] as const) {
      let improved = true;
      while (improved && !out()) {
        improved = false;
        for (const candidate of smallerCases(current, kind)) {
          tries += 1;
          if (out()) break;
          if (await prober.hangs(candidate)) {
            hangs += 1;
            current = candidate;
            improved = true;
            break;
          }
        }
      }
    }
  } finally {
    prober.close();
  }
  return current;
}
