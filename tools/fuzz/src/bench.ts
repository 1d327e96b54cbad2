// npm run fuzz -- bench: the slab target's speed with checkInvariants() after every step and
// with the default schedule (CHECK_EVERY), measured side by side in one run, and its power
// under both: the case at which each slab bug the tool knows (the instance mutants and the
// planted source bugs) is first caught, from the same seeded cases.
import fc from 'fast-check';
import type * as SlabModule from '@vgetrandom/slab';
import { type MutantName, mutants } from './mutants.js';
import { type SlabCase, CHECK_EVERY, caseArbitrary, runSlabCase } from './targets/slab.js';
import { type SourceMutantName, loadSourceMutant, sourceMutants } from './source-mutants.js';
import { runNamedTarget } from './targets.js';

/** The rate issue 28 asks of the default schedule on this machine. */
export const TARGET_OPS_PER_SECOND = 300_000;

export interface RateRow {
  readonly checkEvery: number;
  readonly cases: number;
  readonly operations: number;
  readonly seconds: number;
  readonly operationsPerSecond: number;
}

export interface PowerRow {
  readonly bug: string;
  readonly kind: 'mutant' | 'planted';
  /** An endless loop: caught by the watchdog, which says whether, not at which case. */
  readonly hang: boolean;
  /** The 1-based index of the first case that catches it with checks after every step, or undefined. */
  readonly dense: number | undefined;
  /** The same under the default schedule. */
  readonly sparse: number | undefined;
  /** What the sparse run's finding says (after its dense replay). */
  readonly message: string | undefined;
}

export interface SlabBench {
  readonly seed: number;
  readonly checkEvery: number;
  readonly rates: readonly RateRow[];
  /** The target as `npm run fuzz -- slab` runs it: fast-check drawing cases in the watchdog's worker. */
  readonly asRun: { readonly runs: number; readonly operations: number; readonly seconds: number; readonly operationsPerSecond: number };
  readonly power: readonly PowerRow[];
  /** Cases each bug was given. */
  readonly budget: number;
}

/**
 * Both schedules over the same cases, case by case in turn (so that a slow phase of the
 * machine hits both), until `timeMs` has passed: the rate of each.
 */
function rates(cases: readonly SlabCase[], timeMs: number): [RateRow, RateRow] {
  const schedules = [1, CHECK_EVERY];
  const totals = schedules.map(() => ({ operations: 0, cases: 0, ms: 0 }));
  const started = performance.now();
  for (let index = 0; performance.now() - started < timeMs; index += 1) {
    const input = cases[index % cases.length]!;
    for (let which = 0; which < schedules.length; which += 1) {
      const before = performance.now();
      const outcome = runSlabCase(input, { checkEvery: schedules[which]! });
      totals[which]!.ms += performance.now() - before;
      if (!outcome.ok) throw new Error(`the real allocator failed a bench case: ${outcome.message}`);
      totals[which]!.operations += outcome.operations;
      totals[which]!.cases += 1;
    }
  }
  const row = (which: number): RateRow => {
    const total = totals[which]!;
    return { checkEvery: schedules[which]!, cases: total.cases, operations: total.operations, seconds: total.ms / 1000, operationsPerSecond: total.operations / (total.ms / 1000) };
  };
  return [row(0), row(1)];
}

/** The first case (1-based) of `cases` that finds the bug, and its message. */
function firstCatch(cases: readonly SlabCase[], run: (input: SlabCase) => ReturnType<typeof runSlabCase>): { index: number | undefined; message: string | undefined } {
  for (let index = 0; index < cases.length; index += 1) {
    const outcome = run(cases[index]!);
    if (!outcome.ok) return { index: index + 1, message: `step ${outcome.step}: ${outcome.message}` };
  }
  return { index: undefined, message: undefined };
}

export async function benchSlab(options: { seed: number; timeMs: number; budget: number; onLine?: (line: string) => void }): Promise<SlabBench> {
  const say = options.onLine ?? (() => {});
  const cases = fc.sample(caseArbitrary(), { seed: options.seed, numRuns: Math.max(options.budget, 500) });
  rates(cases, 300); // warm-up
  const merged = rates(cases, options.timeMs);
  for (const row of merged) say(`rate checkEvery=${row.checkEvery}: ${Math.round(row.operationsPerSecond)} ops/s`);
  const summary = await runNamedTarget('slab', { seed: options.seed, timeMs: options.timeMs, dryRun: true });
  if (summary.finding) throw new Error(`the real allocator failed the slab target: ${summary.finding.invariant}`);
  const asRun = { runs: summary.runs, operations: summary.operations, seconds: summary.elapsedMs / 1000, operationsPerSecond: summary.operationsPerSecond };
  say(`as run: ${Math.round(asRun.operationsPerSecond)} ops/s`);

  const budgetCases = cases.slice(0, options.budget);
  const power: PowerRow[] = [];
  for (const mutant of Object.keys(mutants) as MutantName[]) {
    const dense = firstCatch(budgetCases, (input) => runSlabCase(input, { mutant, checkEvery: 1 }));
    const sparse = firstCatch(budgetCases, (input) => runSlabCase(input, { mutant }));
    power.push({ bug: mutant, kind: 'mutant', hang: false, dense: dense.index, sparse: sparse.index, message: sparse.message });
    say(`power ${mutant}: ${dense.index ?? '-'} / ${sparse.index ?? '-'}`);
  }
  for (const name of Object.keys(sourceMutants) as SourceMutantName[]) {
    const mutant = sourceMutants[name];
    if (mutant.target !== 'slab') continue;
    if (mutant.caughtAs.startsWith('a hang')) {
      // An endless loop cannot run in this thread: the watchdog's run says whether it is caught.
      const caught = async (checkEvery: number) => {
        const summary = await runNamedTarget('slab', { seed: options.seed, runs: options.budget, sourceMutant: name, dryRun: true, hangMs: 1000, hangShrinkMs: 8000, checkEvery });
        return summary.finding?.kind === 'hang' ? summary.finding.invariant : undefined;
      };
      const dense = await caught(1);
      const sparse = await caught(CHECK_EVERY);
      power.push({ bug: name, kind: 'planted', hang: true, dense: dense === undefined ? undefined : 1, sparse: sparse === undefined ? undefined : 1, message: sparse });
      continue;
    }
    const implementation = (await loadSourceMutant<typeof SlabModule>(name)).SlabAllocator;
    const dense = firstCatch(budgetCases, (input) => runSlabCase(input, { implementation, checkEvery: 1 }));
    const sparse = firstCatch(budgetCases, (input) => runSlabCase(input, { implementation }));
    power.push({ bug: name, kind: 'planted', hang: false, dense: dense.index, sparse: sparse.index, message: sparse.message });
    say(`power ${name}: ${dense.index ?? '-'} / ${sparse.index ?? '-'}`);
  }
  return { seed: options.seed, checkEvery: CHECK_EVERY, rates: merged, asRun, power, budget: options.budget };
}

export function formatSlabBench(bench: SlabBench): string {
  const [dense, sparse] = bench.rates as [RateRow, RateRow];
  const rounded = (value: number) => Math.round(value).toLocaleString('en');
  const lines = [
    `slab target, seed ${bench.seed}: the same cases under both schedules, case by case in turn`,
    `  checkInvariants() after every step:             ${rounded(dense.operationsPerSecond)} ops/s`,
    `  default (steps that map or unmap, every ${bench.checkEvery}th): ${rounded(sparse.operationsPerSecond)} ops/s  (${(sparse.operationsPerSecond / dense.operationsPerSecond).toFixed(2)}x)`,
    `as \`npm run fuzz -- slab\` runs (cases drawn, in the watchdog's worker): ${rounded(bench.asRun.operationsPerSecond)} ops/s over ${bench.asRun.seconds.toFixed(1)} s  ≥ ${rounded(TARGET_OPS_PER_SECOND)}: ${bench.asRun.operationsPerSecond >= TARGET_OPS_PER_SECOND ? 'PASS' : 'MISS'}`,
    `power: the first of ${bench.budget} seeded cases that catches each bug (every step / default)`,
  ];
  for (const row of bench.power) {
    const shown = (value: number | undefined) => (value === undefined ? 'MISSED' : row.hang ? 'caught (hang)' : `case ${value}`);
    lines.push(`  ${row.bug.padEnd(28)} ${row.kind.padEnd(8)} ${shown(row.dense).padEnd(14)} ${shown(row.sparse).padEnd(14)}${row.dense !== undefined && row.sparse === undefined ? '  LOST' : ''}`);
  }
  const count = (dense: boolean, sparse: boolean) => bench.power.filter((row) => (row.dense !== undefined) === dense && (row.sparse !== undefined) === sparse).length;
  lines.push(`  ${count(true, true)} of ${bench.power.length} caught under both, ${count(true, false)} lost by the default schedule, ${count(false, true)} caught by it alone, ${count(false, false)} missed by both`);
  return `${lines.join('\n')}\n`;
}
