// Every target by name, the facade across several workers, and replay of findings.
import { Worker } from 'node:worker_threads';
import { builtWorker } from './built.js';
import type { Finding, TargetName } from './finding.js';
import { writeFinding } from './finding.js';
import { type FacadeMutantName, type MutantName, facadeMutants } from './mutants.js';
import { nativeHooks, vdsoAdvertisesGetrandom } from './native.js';
import fc from 'fast-check';
import { type Check, type Progress, type RunSummary, runTarget } from './runner.js';
import { runWatched, replayWatched } from './watchdog.js';
import { type ElfCase, checkElf, elfArbitrary } from './targets/elf.js';
import type { ProfileName } from '@vgetrandom/slab';
import { type Call, checkFacade } from './targets/facade.js';
import { type HostileCase, checkHostile, hostileArbitrary } from './targets/hostile-views.js';
import { type PoolPlan, runPool } from './targets/pool.js';
import { type InterleaveCase, checkInterleave, interleaveArbitrary } from './targets/interleave.js';
import { type SlabCase, caseArbitrary, runSlabCase } from './targets/slab.js';
import { type AllocatorFindingInput, replayAllocatorFinding } from './fuzz-allocator.js';
import { type SourceMutantName, isSourceMutantName, loadSourceMutant } from './source-mutants.js';
import type * as SlabModule from '@vgetrandom/slab';
import type * as VdsoModule from '@vgetrandom/vdso';
import type * as GetrandomModule from '@vgetrandom/getrandom';
import { type BackendsCase, backendsArbitrary, checkBackends } from './targets/backends.js';

/** The slab package, or a build of it with a planted bug. */
async function slabImplementation(mutant: string | undefined): Promise<typeof SlabModule | undefined> {
  return mutant !== undefined && isSourceMutantName(mutant) ? loadSourceMutant<typeof SlabModule>(mutant) : undefined;
}

/** The getrandom package, or a build of it with a planted bug. */
async function getrandomImplementation(mutant: string | undefined): Promise<typeof GetrandomModule | undefined> {
  return mutant !== undefined && isSourceMutantName(mutant) ? loadSourceMutant<typeof GetrandomModule>(mutant) : undefined;
}

/** The vdso package, or a build of it with a planted bug. */
async function vdsoImplementation(mutant: string | undefined): Promise<typeof VdsoModule | undefined> {
  return mutant !== undefined && isSourceMutantName(mutant) ? loadSourceMutant<typeof VdsoModule>(mutant) : undefined;
}

export interface TargetOptions {
  readonly seed: number;
  readonly runs?: number;
  readonly timeMs?: number;
  readonly mutant?: MutantName;
  readonly facadeMutant?: FacadeMutantName;
  /** A planted bug in the real sources (source-mutants.ts), for slab, elf and interleave. */
  readonly sourceMutant?: SourceMutantName;
  /** Run in a worker under the watchdog (default true): a case running past hangMs is a `hang` finding. */
  readonly watchdog?: boolean;
  /** The time one case may take before it counts as a hang. Default 5 000 ms. */
  readonly hangMs?: number;
  /** How long shrinking a hang may take (each smaller case that hangs costs hangMs). Default 60 s. */
  readonly hangShrinkMs?: number;
  /** slab: steps between full checkInvariants() calls (default CHECK_EVERY). */
  readonly checkEvery?: number;
  /** slab and slab-native: run every case under this reference profile. */
  readonly profile?: ProfileName;
  readonly workers?: number;
  readonly onProgress?: (progress: Progress) => void;
  readonly dryRun?: boolean;
  readonly findingsDirectory?: string;
}

export class TargetUnavailable extends Error {
  override readonly name = 'TargetUnavailable';
}

/**
 * The native targets' hooks, or why they cannot run. On a host whose vDSO exports getrandom
 * (judged without our parser), "unavailable" is our failure, not a clean run: it throws.
 */
function requireHooks(target: string, hooks: ReturnType<typeof nativeHooks>, advertised = vdsoAdvertisesGetrandom): Exclude<ReturnType<typeof nativeHooks>, string> {
  if (typeof hooks !== 'string') return hooks;
  if (advertised()) throw new Error(`${target} is unavailable (${hooks}) although this host's vDSO exports getrandom: a regression in our own code`);
  throw new TargetUnavailable(`${target} ${hooks}`);
}
export { requireHooks as requireNativeHooks };

/** A target that fast-check drives in one thread: what the watchdog's worker rebuilds by name. */
export interface TargetParts {
  readonly arbitrary: fc.Arbitrary<unknown>;
  readonly check: Check<unknown>;
  /** The mutant the findings name (instance, façade or source). */
  readonly mutant: string | undefined;
}

export type WatchedTarget = 'slab' | 'slab-native' | 'elf' | 'hostile-views' | 'interleave' | 'backends';

export function isWatchedTarget(target: TargetName): target is WatchedTarget {
  return target === 'slab' || target === 'slab-native' || target === 'elf' || target === 'hostile-views' || target === 'interleave' || target === 'backends';
}

/** The options a worker can receive (no callbacks). */
export function plainOptions(options: TargetOptions): TargetOptions {
  const { onProgress: _progress, ...plain } = options;
  return plain;
}

export async function targetParts(target: WatchedTarget, options: TargetOptions): Promise<TargetParts> {
  switch (target) {
    case 'slab': {
      const implementation = (await slabImplementation(options.sourceMutant))?.SlabAllocator;
      return {
        arbitrary: caseArbitrary(false, 120, options.profile) as fc.Arbitrary<unknown>,
        check: (input) => runSlabCase(input as SlabCase, { mutant: options.mutant, implementation, ...(options.checkEvery === undefined ? {} : { checkEvery: options.checkEvery }) }),
        mutant: options.mutant ?? options.sourceMutant,
      };
    }
    case 'slab-native': {
      const hooks = requireHooks('slab-native', nativeHooks());
      return { arbitrary: caseArbitrary(true, 60, options.profile) as fc.Arbitrary<unknown>, check: (input) => runSlabCase(input as SlabCase, { native: hooks }), mutant: undefined };
    }
    case 'elf': {
      const check = checkElf(await vdsoImplementation(options.sourceMutant));
      return { arbitrary: elfArbitrary() as fc.Arbitrary<unknown>, check: (input) => check(input as ElfCase), mutant: options.sourceMutant };
    }
    case 'interleave': {
      const check = checkInterleave(await slabImplementation(options.sourceMutant));
      return { arbitrary: interleaveArbitrary as fc.Arbitrary<unknown>, check: (input) => check(input as InterleaveCase), mutant: options.sourceMutant };
    }
    case 'hostile-views': {
      const check = checkHostile(options.facadeMutant ? facadeMutants[options.facadeMutant] : undefined);
      return { arbitrary: hostileArbitrary as fc.Arbitrary<unknown>, check: (input) => check(input as HostileCase), mutant: options.facadeMutant };
    }
    case 'backends': {
      const check = checkBackends(await getrandomImplementation(options.sourceMutant));
      return { arbitrary: backendsArbitrary as fc.Arbitrary<unknown>, check: (input) => check(input as BackendsCase), mutant: options.sourceMutant };
    }
  }
}

export async function runNamedTarget(target: TargetName, options: TargetOptions): Promise<RunSummary> {
  if (isWatchedTarget(target)) {
    if (options.watchdog !== false) return runWatched(target, options);
    const parts = await targetParts(target, options);
    return runTarget(target, parts.arbitrary, parts.check, {
      seed: options.seed,
      runs: options.runs,
      timeMs: options.timeMs,
      onProgress: options.onProgress,
      dryRun: options.dryRun,
      findingsDirectory: options.findingsDirectory,
      mutant: parts.mutant,
    });
  }
  switch (target) {
    case 'facade':
      return runFacadeWorkers({ ...options, workers: options.workers ?? 4 });
    case 'pool': {
      requireHooks('pool', nativeHooks());
      return runPool({
        seed: options.seed,
        workers: options.runs ?? 2000,
        ...(options.workers === undefined ? {} : { concurrency: options.workers }),
        onProgress: options.onProgress,
        dryRun: options.dryRun,
        findingsDirectory: options.findingsDirectory,
      });
    }
    default:
      throw new Error(`unknown target ${String(target)}`);
  }
}

/** Several workers fuzz the facade at once; their 16-byte outputs must never repeat. */
export async function runFacadeWorkers(options: TargetOptions & { workers: number }): Promise<RunSummary & { judged?: string[] }> {
  const started = performance.now();
  const perWorkerRuns = options.runs === undefined ? undefined : Math.max(1, Math.ceil(options.runs / options.workers));
  const results = await Promise.all(
    Array.from({ length: options.workers }, (_, index) => {
      const worker = new Worker(builtWorker('facade-worker.js'), { workerData: { seed: options.seed + index, runs: perWorkerRuns, timeMs: options.timeMs, mutant: options.facadeMutant } });
      return new Promise<{ summary: RunSummary; outputs: string[]; distributions: { judged: string[]; failed: string[] } }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const runs = results.reduce((total, result) => total + result.summary.runs, 0);
  const operations = results.reduce((total, result) => total + result.summary.operations, 0);
  const elapsedMs = performance.now() - started;
  const base = { target: 'facade' as const, seed: options.seed, runs, operations, elapsedMs, operationsPerSecond: operations / (elapsedMs / 1000) };
  const failed = results.find((result) => result.summary.finding)?.summary.finding;
  const seen = new Set<string>();
  let repeated: string | undefined;
  for (const output of results.flatMap((result) => result.outputs)) {
    if (seen.has(output)) repeated ??= output;
    seen.add(output);
  }
  // A distribution that fails its test: the input is the run itself (replayed by running it
  // again: a real bias fails again, a correct generator passes but for one time in 10^8).
  const skewed = results.flatMap((result) => result.distributions.failed);
  const judged = results.flatMap((result) => result.distributions.judged);
  const runInput = { run: { seed: options.seed, workers: options.workers, runsPerWorker: results.map((result) => result.summary.runs) } };
  const finding: Finding | undefined =
    failed ??
    (repeated ? { target: 'facade', seed: options.seed, invariant: `the 16-byte output ${repeated} appeared in two workers`, input: [], foundAt: new Date().toISOString() } : undefined) ??
    (skewed.length > 0
      ? { target: 'facade', seed: options.seed, invariant: `distribution: ${skewed[0]}`, input: runInput, foundAt: new Date().toISOString(), ...(options.facadeMutant ? { mutant: options.facadeMutant } : {}) }
      : undefined);
  if (!finding) return { ...base, findings: 0, judged };
  const path = options.dryRun ? undefined : writeFinding(finding, options.findingsDirectory);
  return { ...base, findings: 1, finding: { ...finding, ...(path ? { path } : {}) } };
}

export type ReplayResult = { readonly reproduced: false } | { readonly reproduced: true; readonly message: string };

/** Replays a finding. Against the real code by default, or against the mutant it names. */
export async function replay(finding: Finding, options: { againstMutant?: boolean } = {}): Promise<ReplayResult> {
  if (isWatchedTarget(finding.target)) return replayWatched(finding, options);
  return replayInProcess(finding, options);
}

/** Replays in this thread: what the watchdog's worker runs, and the targets it does not watch. */
export async function replayInProcess(finding: Finding, options: { againstMutant?: boolean } = {}): Promise<ReplayResult> {
  const outcome = await replayOutcome(finding, options).catch((error: unknown) => ({ ok: false as const, operations: 0, message: `threw ${(error as Error)?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}` }));
  return outcome.ok ? { reproduced: false } : { reproduced: true, message: outcome.message };
}

/** What a finding's input does now; may throw (replayInProcess turns that into a reproduction). */
async function replayOutcome(finding: Finding, options: { againstMutant?: boolean }): Promise<{ ok: true } | { ok: false; message: string }> {
  return await (async () => {
    switch (finding.target) {
      case 'slab': {
        const mutant = options.againstMutant ? finding.mutant : undefined;
        const implementation = (await slabImplementation(mutant))?.SlabAllocator;
        return runSlabCase(finding.input as SlabCase, { mutant: mutant !== undefined && !isSourceMutantName(mutant) ? (mutant as MutantName) : undefined, implementation });
      }
      case 'slab-native': {
        const hooks = requireHooks('slab-native', nativeHooks());
        return runSlabCase(finding.input as SlabCase, { native: hooks });
      }
      case 'elf':
        return checkElf(await vdsoImplementation(options.againstMutant ? finding.mutant : undefined))(finding.input as ElfCase);
      case 'facade': {
        const input = finding.input as Call[] | { run: { seed: number; workers: number; runsPerWorker: number[] } };
        if (Array.isArray(input)) return checkFacade(new Set(), undefined, options.againstMutant && finding.mutant ? facadeMutants[finding.mutant as FacadeMutantName] : undefined)(input);
        const again = await runFacadeWorkers({
          seed: input.run.seed,
          workers: input.run.workers,
          runs: input.run.runsPerWorker.reduce((total, runs) => total + runs, 0),
          dryRun: true,
          ...(options.againstMutant && finding.mutant ? { facadeMutant: finding.mutant as FacadeMutantName } : {}),
        });
        return again.finding ? { ok: false as const, operations: again.operations, message: again.finding.invariant } : { ok: true as const, operations: again.operations };
      }
      case 'interleave':
        return checkInterleave(await slabImplementation(options.againstMutant ? finding.mutant : undefined))(finding.input as InterleaveCase);
      case 'backends':
        return checkBackends(await getrandomImplementation(options.againstMutant ? finding.mutant : undefined))(finding.input as BackendsCase);
      case 'hostile-views':
        return checkHostile(options.againstMutant && finding.mutant ? facadeMutants[finding.mutant as FacadeMutantName] : undefined)(finding.input as HostileCase);
      case 'allocator':
        return replayAllocatorFinding(finding.input as AllocatorFindingInput);
      case 'pool': {
        const input = finding.input as { workers: number; seed: number; concurrency?: number; plan?: PoolPlan };
        // Older findings lack the plan (drawn from the seed) and ran 8 workers at a time.
        const summary = await runPool({ seed: input.seed, workers: input.workers, concurrency: input.concurrency ?? 8, ...(input.plan ? { plan: input.plan } : {}), dryRun: true });
        return summary.finding ? { ok: false as const, operations: 0, message: summary.finding.invariant } : { ok: true as const, operations: 0 };
      }
    }
  })();
}
