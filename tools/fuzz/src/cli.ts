// npm run fuzz -- <target> [--seed S] [--runs N | --time 60s] [--replay FILE] [--json]
import { parseArgs } from 'node:util';
import { PROFILE_NAMES, type ProfileName } from '@vgetrandom/slab';
import { type TargetName, readFinding } from './finding.js';
import { facadeMutants, isFacadeMutantName, isMutantName, mutants } from './mutants.js';
import type { Progress, RunSummary } from './runner.js';
import { TargetUnavailable, replay, runNamedTarget } from './targets.js';
import { isSourceMutantName, sourceMutants } from './source-mutants.js';

const TARGETS: readonly TargetName[] = ['slab', 'slab-native', 'elf', 'facade', 'hostile-views', 'pool', 'interleave'];
const USAGE = `usage: npm run fuzz -- <${TARGETS.join('|')}> [--seed S] [--runs N | --time 60s] [--json] [--mutant NAME] [--workers N] [--profile NAME] [--hang-ms N] [--in-process]
       npm run fuzz -- --replay FILE [--against-mutant]`;

function usage(message: string): never {
  process.stderr.write(`error: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseTime(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!match) usage(`--time takes a duration such as 30s, 2m or 500ms (got '${text}')`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm'];
}

function formatCount(value: number): string {
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : value >= 1e3 ? `${(value / 1e3).toFixed(1)}k` : String(Math.round(value));
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      seed: { type: 'string' },
      runs: { type: 'string' },
      time: { type: 'string' },
      replay: { type: 'string' },
      json: { type: 'boolean' },
      mutant: { type: 'string' },
      workers: { type: 'string' },
      profile: { type: 'string' },
      'hang-ms': { type: 'string' },
      'in-process': { type: 'boolean' },
      'against-mutant': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  usage((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(
    `${USAGE}\nmutants (test-only broken code): slab: ${Object.keys(mutants).join(', ')}; hostile-views: ${Object.keys(facadeMutants).join(', ')}\n` +
      `planted bugs in the sources: ${Object.entries(sourceMutants)
        .map(([name, mutant]) => `${name} (${mutant.target})`)
        .join(', ')}\n`,
  );
  process.exit(0);
}

if (values.replay) {
  const finding = readFinding(values.replay);
  const result = await replay(finding, { againstMutant: values['against-mutant'] });
  if (result.reproduced) {
    process.stdout.write(`reproduced (${finding.target}): ${result.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`does not reproduce (${finding.target}): the case runs clean${finding.mutant && !values['against-mutant'] ? ` (found with mutant '${finding.mutant}'; add --against-mutant to replay against it)` : ''}\n`);
  process.exit(0);
}

const target = positionals[0] as TargetName | undefined;
if (!target || !TARGETS.includes(target)) usage(target ? `unknown target '${target}'` : 'name a target');
if (values.runs && values.time) usage('give --runs or --time, not both');
const slabMutant = values.mutant !== undefined && target === 'slab' && isMutantName(values.mutant);
const facadeMutant = values.mutant !== undefined && (target === 'hostile-views' || target === 'facade') && isFacadeMutantName(values.mutant);
const sourceMutant = values.mutant !== undefined && isSourceMutantName(values.mutant) && sourceMutants[values.mutant].target === target;
if (values.mutant && !slabMutant && !facadeMutant && !sourceMutant) {
  usage(
    `--mutant '${values.mutant}' does not go with '${target}': slab takes ${Object.keys(mutants).join(', ')}; hostile-views and facade take ${Object.keys(facadeMutants).join(', ')}; planted bugs: ${Object.entries(
      sourceMutants,
    )
      .map(([name, mutant]) => `${name} (${mutant.target})`)
      .join(', ')}`,
  );
}
if (values.profile !== undefined && (!(PROFILE_NAMES as readonly string[]).includes(values.profile) || (target !== 'slab' && target !== 'slab-native'))) {
  usage(`--profile works with the slab targets and one of: ${PROFILE_NAMES.join(', ')}`);
}
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isSafeInteger(seed)) usage(`--seed must be an integer (got '${values.seed}')`);
const runs = values.runs === undefined ? undefined : Number(values.runs);
if (runs !== undefined && !(Number.isSafeInteger(runs) && runs > 0)) usage(`--runs must be a positive integer (got '${values.runs}')`);
const timeMs = values.time === undefined ? (runs === undefined ? 10_000 : undefined) : parseTime(values.time);
const workers = values.workers === undefined ? undefined : Number(values.workers);
const hangMs = values['hang-ms'] === undefined ? undefined : Number(values['hang-ms']);
if (hangMs !== undefined && !(Number.isSafeInteger(hangMs) && hangMs >= 50)) usage(`--hang-ms takes a whole number of milliseconds, at least 50 (got '${values['hang-ms']}')`);

const tty = process.stderr.isTTY === true && !values.json;
const onProgress = tty
  ? (progress: Progress) =>
      process.stderr.write(
        `\r[${target}] runs ${formatCount(progress.runs)}  ops ${formatCount(progress.operations)}  ${formatCount(progress.operations / (progress.elapsedMs / 1000))} ops/s  ${(progress.elapsedMs / 1000).toFixed(1)}s  findings ${progress.findings}   `,
      )
  : undefined;

let summary: RunSummary;
try {
  summary = await runNamedTarget(target, {
    seed,
    runs,
    timeMs,
    ...(slabMutant ? { mutant: values.mutant as never } : {}),
    ...(facadeMutant ? { facadeMutant: values.mutant as never } : {}),
    ...(sourceMutant ? { sourceMutant: values.mutant as never } : {}),
    ...(values.profile ? { profile: values.profile as ProfileName } : {}),
    workers,
    onProgress,
    ...(hangMs === undefined ? {} : { hangMs }),
    ...(values['in-process'] ? { watchdog: false } : {}),
  });
} catch (error) {
  if (error instanceof TargetUnavailable) {
    process.stderr.write(`${error.message}; nothing to fuzz on this host\n`);
    process.exit(0);
  }
  throw error;
}
if (tty) process.stderr.write('\r\u001b[K');
if (values.json) {
  process.stdout.write(`${JSON.stringify({ ...summary, finding: summary.finding ?? null }, null, 2)}\n`);
} else {
  process.stdout.write(
    `${target}: ${formatCount(summary.runs)} runs, ${formatCount(summary.operations)} operations (${formatCount(summary.operationsPerSecond)} ops/s) in ${(summary.elapsedMs / 1000).toFixed(1)}s, seed ${seed}: ${summary.findings === 0 ? 'no findings' : 'FOUND A BUG'}\n`,
  );
  if (summary.finding) {
    process.stdout.write(`  broken: ${summary.finding.invariant}\n`);
    if (summary.finding.allocationSite) process.stdout.write(`  allocated at ${summary.finding.allocationSite}${summary.finding.freeSite ? `, freed at ${summary.finding.freeSite}` : ''}\n`);
    if (summary.finding.path) process.stdout.write(`  case file: ${summary.finding.path}\n  replay:    npm run fuzz -- --replay ${summary.finding.path}${summary.finding.mutant ? ' --against-mutant' : ''}\n`);
  }
}
process.exit(summary.findings === 0 ? 0 : 1);
