// npm run fuzz -- <target> [--seed S] [--runs N | --time 60s] [--replay FILE] [--json]
import { parseArgs } from 'node:util';
import { PROFILE_NAMES, type ProfileName } from '@vgetrandom/slab';
import { relative as relativePath, resolve as resolvePath } from 'node:path';
import { existsSync } from 'node:fs';
import { type Finding, type TargetName, findingsDirectory, readFinding, writeFinding } from './finding.js';
import { FuzzAllocatorError, describeReport, fuzzWith, prepareAllocatorTarget } from './fuzz-allocator.js';
import { REJECTIONS, type Rejection } from './targets/allocator.js';
import { facadeMutants, isFacadeMutantName, isMutantName, mutants } from './mutants.js';
import type { Progress, RunSummary } from './runner.js';
import { TargetUnavailable, replay, runNamedTarget } from './targets.js';
import { isSourceMutantName, sourceMutants } from './source-mutants.js';
import { benchSlab, formatSlabBench } from './bench.js';

const TARGETS: readonly TargetName[] = ['slab', 'slab-native', 'elf', 'facade', 'backends', 'hostile-views', 'pool', 'interleave'];
// In the repository (findings/ beside dist) the command is the npm script; installed, the bin.
const COMMAND = existsSync(findingsDirectory) ? 'npm run fuzz --' : 'npx vgetrandom-fuzz';
const USAGE = `usage: ${COMMAND} <${TARGETS.join('|')}> [--seed S] [--runs N | --time 60s] [--json] [--mutant NAME] [--workers N] [--profile NAME] [--hang-ms N] [--in-process]
       ${COMMAND} slab --allocator FILE.mjs [--native] [--state-size N] [--page-size N] [--rejects double-free,foreign,misaligned] [--max-states N] [--seed S] [--runs N | --time 60s] [--json]
       ${COMMAND} slab --allocator-lib FILE.so [--rejects ...] [--max-states N] [--seed S] [--runs N | --time 60s] [--json]
       ${COMMAND} --replay FILE [--against-mutant]
       ${COMMAND} bench [--seed S] [--time 10s] [--runs N] [--json]   (the slab target's speed and power, with and without sparse checks)
Paths are read from the directory you ran npm from.`;

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
      allocator: { type: 'string' },
      'allocator-lib': { type: 'string' },
      native: { type: 'boolean' },
      'state-size': { type: 'string' },
      'page-size': { type: 'string' },
      rejects: { type: 'string' },
      'max-states': { type: 'string' },
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

// npm runs a script in its package's directory and says in INIT_CWD where the user ran npm: a
// path typed on the command line is relative to the latter, one written in a package.json
// script to the former. The file where it exists, else as typed from where the user was.
const here = process.env['INIT_CWD'] ?? process.cwd();
const userPath = (path: string) => [resolvePath(here, path), resolvePath(process.cwd(), path)].find((candidate) => existsSync(candidate)) ?? resolvePath(here, path);
const shown = (path: string) => {
  const relative = relativePath(here, path);
  return relative.startsWith('..') ? path : relative;
};

if (values.replay) {
  let finding: Finding;
  try {
    finding = readFinding(userPath(values.replay));
  } catch (error) {
    usage(`--replay ${values.replay}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? `no such file (looked in ${here}${here === process.cwd() ? '' : ` and ${process.cwd()}`})` : (error as Error).message}`);
  }
  const result = await replay(finding, { againstMutant: values['against-mutant'] });
  if (result.reproduced) {
    process.stdout.write(`reproduced (${finding.target}): ${result.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`does not reproduce (${finding.target}): the case runs clean${finding.mutant && !values['against-mutant'] ? ` (found with mutant '${finding.mutant}'; add --against-mutant to replay against it)` : ''}\n`);
  process.exit(0);
}

if (positionals[0] === 'bench') {
  if (positionals.length > 1) usage(`bench takes no target: ${COMMAND} bench [--seed S] [--time 10s] [--runs N]`);
  for (const option of Object.keys(values)) if (!['seed', 'time', 'runs', 'json'].includes(option)) usage(`--${option} does not go with bench`);
  const seed = values.seed === undefined ? 11 : Number(values.seed);
  if (!Number.isSafeInteger(seed)) usage(`--seed must be an integer (got '${values.seed}')`);
  const budget = values.runs === undefined ? 600 : Number(values.runs);
  if (!(Number.isSafeInteger(budget) && budget > 0)) usage(`--runs (cases each bug is given) must be a positive integer (got '${values.runs}')`);
  const bench = await benchSlab({ seed, timeMs: values.time === undefined ? 10_000 : parseTime(values.time), budget, onLine: (line) => process.stderr.write(process.stderr.isTTY ? `\r\u001b[K${line}` : '') });
  if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
  process.stdout.write(values.json ? `${JSON.stringify(bench, null, 2)}\n` : formatSlabBench(bench));
  process.exit(0);
}

const seedOption = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const allocatorOptions = ['allocator', 'allocator-lib', 'native', 'state-size', 'page-size', 'rejects', 'max-states'] as const;
if (values.allocator !== undefined || values['allocator-lib'] !== undefined) {
  if (positionals[0] !== 'slab' || positionals.length > 1) usage(`--allocator and --allocator-lib go with the slab target: ${COMMAND} slab --allocator FILE`);
  if (values.allocator !== undefined && values['allocator-lib'] !== undefined) usage('give --allocator (a JavaScript module) or --allocator-lib (a C library), not both');
  if (values['allocator-lib'] !== undefined && (values.native || values['state-size'] || values['page-size'])) usage("--allocator-lib uses the kernel's state size, page size and memory where it can; --native, --state-size and --page-size go with --allocator");
  for (const option of ['mutant', 'profile', 'workers', 'hang-ms'] as const) if (values[option] !== undefined) usage(`--${option} does not go with --allocator or --allocator-lib`);
  if (values.runs && values.time) usage('give --runs or --time, not both');
  const integer = (text: string | undefined, option: string) => {
    if (text === undefined) return undefined;
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < 1) usage(`--${option} takes a positive integer (got '${text}')`);
    return value;
  };
  if (!Number.isSafeInteger(seedOption)) usage(`--seed must be an integer (got '${values.seed}')`);
  const rejects = values.rejects === undefined ? undefined : values.rejects === '' ? [] : values.rejects.split(',');
  if (rejects?.some((entry) => !REJECTIONS.includes(entry as Rejection))) usage(`--rejects lists frees from ${REJECTIONS.join(', ')} (got '${values.rejects}')`);
  let prepared;
  try {
    prepared = await prepareAllocatorTarget({
      ...(values.allocator !== undefined ? { module: userPath(values.allocator) } : { library: userPath(values['allocator-lib']!) }),
      ...(values.native ? { native: true } : {}),
      ...(values['state-size'] === undefined ? {} : { stateSize: integer(values['state-size'], 'state-size')! }),
      ...(values['page-size'] === undefined ? {} : { pageSize: integer(values['page-size'], 'page-size')! }),
      ...(rejects === undefined ? {} : { rejects: rejects as Rejection[] }),
      ...(values['max-states'] === undefined ? {} : { maxStates: integer(values['max-states'], 'max-states')! }),
    });
  } catch (error) {
    if (error instanceof FuzzAllocatorError || (error as { code?: string }).code === 'ERR_LIBRARY_UNAVAILABLE' || (error as { code?: string }).code === 'ERR_SYMBOL_MISSING') usage((error as Error).message);
    throw error;
  }
  const runCount = integer(values.runs, 'runs');
  const budget = values.time === undefined ? (runCount === undefined ? 10_000 : undefined) : parseTime(values.time);
  const report = fuzzWith(prepared.check, prepared.contract, { seed: seedOption, ...(runCount === undefined ? {} : { runs: runCount }), ...(budget === undefined ? {} : { timeMs: budget }) });
  let path: string | undefined;
  if (report.failure) {
    const finding: Finding = {
      target: 'allocator',
      seed: report.seed,
      invariant: report.failure.message,
      ...(report.failure.allocationSite ? { allocationSite: report.failure.allocationSite } : {}),
      ...(report.failure.freeSite ? { freeSite: report.failure.freeSite } : {}),
      input: { allocator: prepared.allocator, native: prepared.native, contract: prepared.contract, operations: report.failure.operations },
      foundAt: new Date().toISOString(),
    };
    path = writeFinding(finding);
  }
  const name = values.allocator ?? values['allocator-lib']!;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ allocator: name, native: prepared.native, ...report, findingPath: path ?? null }, null, 2)}\n`);
  } else {
    process.stdout.write(`${name}${prepared.native ? ' (real MAP_DROPPABLE memory, the kernel as oracle)' : ''}: ${formatCount(report.runs)} runs, ${formatCount(report.operations)} operations (${formatCount(report.operationsPerSecond)} ops/s) in ${(report.elapsedMs / 1000).toFixed(1)}s, seed ${report.seed}: ${report.ok ? 'no findings' : 'FOUND A BUG'}\n`);
    if (!report.ok) {
      process.stdout.write(`  broken: ${describeReport(report).split('\n')[0]}\n  shrunk to ${report.failure!.operations.length} operation(s): ${JSON.stringify(report.failure!.operations)}\n`);
      process.stdout.write(`  case file: ${shown(path!)}\n  replay:    ${COMMAND} --replay ${shown(path!)}\n`);
    }
  }
  process.exit(report.ok ? 0 : 1);
}
for (const option of allocatorOptions) if (values[option] !== undefined) usage(`--${option} goes with --allocator or --allocator-lib`);

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
const seed = seedOption;
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
    if (summary.finding.path) process.stdout.write(`  case file: ${shown(summary.finding.path)}\n  replay:    ${COMMAND} --replay ${shown(summary.finding.path)}${summary.finding.mutant ? ' --against-mutant' : ''}\n`);
  }
}
process.exit(summary.findings === 0 ? 0 : 1);
