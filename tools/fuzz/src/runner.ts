// Runs a target's property with fast-check: a seed, a run count or a time budget,
// shrinking on failure, and a finding file for the shrunk case.
import fc from 'fast-check';
import { type Finding, type TargetName, writeFinding } from './finding.js';

export type Check<T> = (input: T) => { ok: true; operations: number } | { ok: false; operations: number; message: string; allocationSite?: string; freeSite?: string };

export interface RunOptions {
  readonly seed: number;
  readonly runs?: number;
  readonly timeMs?: number;
  /** Called now and then with running totals (for the progress line). */
  readonly onProgress?: (progress: Progress) => void;
  /** Where to write a finding; default tools/fuzz/findings. */
  readonly findingsDirectory?: string;
  /** Do not write a finding file (tests of the tool itself). */
  readonly dryRun?: boolean;
  readonly mutant?: string;
  /** Set by the watchdog's worker: the run counter it watches, and where shrink candidates go. */
  readonly watch?: Watch;
}

/**
 * Shared with the watchdog: word 0 counts properties started, word 1 is 1 once shrinking,
 * word 2 the length of the JSON in `bytes` (the case being run while shrinking: generated
 * cases are re-drawn from the seed instead, so the fast path writes nothing but a counter).
 */
export interface Watch {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
}

export function createWatch(capacity = 8 << 20): Watch {
  return { words: new Int32Array(new SharedArrayBuffer(16)), bytes: new Uint8Array(new SharedArrayBuffer(capacity)) };
}

const encoder = new TextEncoder();

/** Publishes the case about to run (while shrinking), for the watchdog to take if it hangs. */
export function publishCase(watch: Watch, input: unknown): void {
  const encoded = encoder.encode(JSON.stringify(input));
  if (encoded.length > watch.bytes.length) {
    Atomics.store(watch.words, 2, -1);
    return;
  }
  watch.bytes.set(encoded);
  Atomics.store(watch.words, 2, encoded.length);
}

export function publishedCase(watch: Watch): unknown {
  const length = Atomics.load(watch.words, 2);
  if (length <= 0) return undefined;
  return JSON.parse(new TextDecoder().decode(watch.bytes.slice(0, length)));
}

export interface Progress {
  readonly runs: number;
  readonly operations: number;
  readonly elapsedMs: number;
  readonly findings: number;
}

export interface RunSummary extends Progress {
  readonly target: TargetName;
  readonly seed: number;
  readonly operationsPerSecond: number;
  readonly finding?: Finding & { readonly path?: string };
}

/**
 * A check that cannot throw: an exception from the code under test (or from a target's own
 * bookkeeping fed by it, such as BigInt(NaN) from a broken pool's address) is a finding with
 * its name and message, never a crash of the tool.
 */
export function guarded<T>(check: Check<T>): Check<T> {
  return (input) => {
    try {
      return check(input);
    } catch (error) {
      return { ok: false, operations: 0, message: `threw ${(error as Error)?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}` };
    }
  };
}

export function runTarget<T>(target: TargetName, arbitrary: fc.Arbitrary<T>, unguarded: Check<T>, options: RunOptions): RunSummary {
  const check = guarded(unguarded);
  const started = performance.now();
  let runs = 0;
  let operations = 0;
  let lastReport = 0;
  const report = (findings: number) => {
    const now = performance.now();
    if (options.onProgress && now - lastReport > 200) {
      lastReport = now;
      options.onProgress({ runs, operations, elapsedMs: now - started, findings });
    }
  };
  const watch = options.watch;
  let shrinking = false;
  const result = fc.check(
    fc.property(arbitrary, (input) => {
      if (watch) {
        if (shrinking) publishCase(watch, input);
        Atomics.add(watch.words, 0, 1);
      }
      const outcome = check(input);
      runs += 1;
      operations += outcome.operations;
      report(0);
      if (!outcome.ok && watch && !shrinking) {
        shrinking = true;
        Atomics.store(watch.words, 1, 1);
      }
      return outcome.ok;
    }),
    {
      seed: options.seed,
      numRuns: options.timeMs === undefined ? (options.runs ?? 100) : Number.MAX_SAFE_INTEGER,
      ...(options.timeMs === undefined ? {} : { interruptAfterTimeLimit: options.timeMs, markInterruptAsFailure: false }),
    },
  );
  const elapsedMs = performance.now() - started;
  const base = { target, seed: options.seed, runs, operations, elapsedMs, operationsPerSecond: operations / (elapsedMs / 1000) };
  if (!result.failed || !result.counterexample) return { ...base, findings: 0 };
  const [shrunk] = result.counterexample as [T];
  const replayed = check(shrunk);
  const failure = replayed.ok ? { message: result.errorInstance instanceof Error ? result.errorInstance.message : 'the property failed', allocationSite: undefined, freeSite: undefined } : replayed;
  const finding: Finding = {
    target,
    seed: options.seed,
    invariant: failure.message,
    ...(failure.allocationSite ? { allocationSite: failure.allocationSite } : {}),
    ...(failure.freeSite ? { freeSite: failure.freeSite } : {}),
    ...(options.mutant ? { mutant: options.mutant } : {}),
    input: shrunk,
    foundAt: new Date().toISOString(),
  };
  const path = options.dryRun ? undefined : writeFinding(finding, options.findingsDirectory);
  return { ...base, findings: 1, finding: { ...finding, ...(path ? { path } : {}) } };
}
