// The oracle as a library (used by its tests): probes of the real implementations, and the
// comparison with the slab's reference profiles.
import { discoverParams } from '@vgetrandom/params';
import { onlineCpus, pageSize, sysconf } from '@vgetrandom/sys';
import { type Comparison, type Mode, compare } from './compare.js';
import { type Probe, glibcProbe, goProbe, releaseProbe } from './debian.js';
import { execFileSync } from 'node:child_process';
import { type ScenarioComparison, compareScenario } from './schedule.js';
import { type ThreadEvent, formatScenario } from '@vgetrandom/slab';

export { type Comparison, type Mode, type Snapshot, compare, drawPage, drawStep, parseProbe, render, simulate } from './compare.js';
export { type Probe, cacheDirectory, glibcProbe, goProbe, releaseProbe } from './debian.js';
export { type ProbeStep, type ScenarioComparison, type StepView, compareScenario, parseProbeSteps, profileSteps, realSteps, renderScenario } from './schedule.js';

const _SC_LEVEL1_DCACHE_LINESIZE = 190;

/** The implementations the oracle knows, with the profile each is compared with. */
export const IMPLEMENTATIONS = [
  { name: 'glibc', profile: 'glibc-2.41', probe: glibcProbe },
  { name: 'go', profile: 'go-1.24', probe: goProbe },
] as const;

export type ImplementationName = (typeof IMPLEMENTATIONS)[number]['name'];

/** Why this host cannot run the comparison at all, or undefined. */
export function hostProblem(): string | undefined {
  if (process.platform !== 'linux') return 'the oracle needs Linux';
  const discovery = discoverParams();
  return discovery.supported ? undefined : `the oracle needs vDSO getrandom (${discovery.reason})`;
}

/** The probe of one implementation and this host's facts, or why it cannot run here. */
function prepare(name: ImplementationName): { probe: Probe; host?: { profile: (typeof IMPLEMENTATIONS)[number]['profile']; command: readonly string[]; version: string; stateSize: number; pageSize: number; reportedCacheLine: number; onlineCpus: number } } {
  const implementation = IMPLEMENTATIONS.find((entry) => entry.name === name)!;
  const problem = hostProblem();
  if (problem) return { probe: { ok: false, reason: problem } };
  const probe = implementation.probe();
  if (!probe.ok) return { probe };
  const discovery = discoverParams();
  if (!discovery.supported) return { probe: { ok: false, reason: 'no vDSO getrandom' } };
  return {
    probe,
    host: {
      profile: implementation.profile,
      command: probe.command,
      version: probe.version,
      stateSize: discovery.params.sizeOfOpaqueState,
      pageSize: pageSize(),
      reportedCacheLine: sysconf(_SC_LEVEL1_DCACHE_LINESIZE),
      onlineCpus: onlineCpus(),
    },
  };
}

/** Every comparison of one implementation, or why it cannot run here. */
export function runOracle(name: ImplementationName, threads: readonly number[], modes: readonly Mode[]): { probe: Probe; comparisons: Comparison[] } {
  const { probe, host } = prepare(name);
  if (host === undefined) return { probe, comparisons: [] };
  const comparisons: Comparison[] = [];
  for (const mode of modes) {
    for (const count of threads) {
      comparisons.push(compare({ ...host, implementation: host.version, threads: count, mode }));
    }
  }
  return { probe, comparisons };
}

/** A scenario to run: its events, and the seed that made it when it is a random one. */
export interface ScenarioRun {
  readonly events: readonly ThreadEvent[];
  readonly seed?: number;
}

/** Every scenario on one implementation and its profile, or why it cannot run here. */
export function runScenarios(name: ImplementationName, scenarios: readonly ScenarioRun[]): { probe: Probe; comparisons: ScenarioComparison[] } {
  const { probe, host } = prepare(name);
  if (host === undefined) return { probe, comparisons: [] };
  const comparisons = scenarios.map((run) =>
    compareScenario({ ...host, implementation: host.version, events: run.events, scenario: formatScenario(run.events), ...(run.seed === undefined ? {} : { seed: run.seed }) }),
  );
  return { probe, comparisons };
}

/** What each thread that started after the spinner ended did: granules its first call and its next 1 000 calls changed. */
export interface ReleaseRun {
  readonly mode: 'cancel' | 'return';
  readonly newcomers: ReadonlyArray<{ readonly first: number; readonly later: number }>;
  /** Every newcomer's 1 000 calls changed no state: none reached the vDSO. */
  readonly stuckOnSyscall: boolean;
}

/** Parses release-probe's `newcomer K first N later M` lines. */
export function parseRelease(mode: 'cancel' | 'return', output: string): ReleaseRun {
  const newcomers = [...output.matchAll(/^newcomer \d+ first (\d+) later (\d+)$/gm)].map((match) => ({ first: Number(match[1]), later: Number(match[2]) }));
  if (newcomers.length === 0) throw new Error(`release-probe printed no newcomer line: ${output.slice(0, 200)}`);
  return { mode, newcomers, stuckOnSyscall: newcomers.every((entry) => entry.later === 0) };
}

/**
 * glibc 2.41's __getrandom_vdso_release() puts curp->getrandom_buf on the free list as it is;
 * a thread that ends inside getrandom() still has the pointer's reserved bit set. Runs the
 * probe with the spinner cancelled mid-call (`cancel`) or returning between calls (`return`).
 */
export function runRelease(mode: 'cancel' | 'return'): { probe: Probe; run?: ReleaseRun } {
  const problem = hostProblem();
  if (problem) return { probe: { ok: false, reason: problem } };
  const probe = releaseProbe();
  if (!probe.ok) return { probe };
  const output = execFileSync(probe.command[0]!, [...probe.command.slice(1), mode], { encoding: 'utf8' });
  return { probe, run: parseRelease(mode, output) };
}
