// npm run oracle -- [glibc|go ...] [--threads 1,5,21,22,50] [--mode together|one-at-a-time] [--json]
// npm run oracle -- [glibc|go ...] --scenario '+3,-t1,+2' | --random N [--seed S] [--length L] [--json]
// Runs the real implementations and the matching profiles side by side; exits 1 on any difference.
import { parseArgs } from 'node:util';
import { SlabError, parseScenario, randomScenario, threadEvents } from '@vgetrandom/slab';
import { IMPLEMENTATIONS, type ImplementationName, type Mode, type ScenarioRun, render, renderScenario, runOracle, runRelease, runScenarios } from './index.js';

const USAGE = [
  'usage: npm run oracle -- [glibc] [go] [--threads 1,5,21,22,50] [--mode together|one-at-a-time] [--json]',
  '       npm run oracle -- [glibc] [go] --scenario +3,-t1,+2 [--json]       threads start (+N) and end (-N oldest, -tK thread K)',
  '       npm run oracle -- [glibc] [go] --random N [--seed S] [--length L] [--json]   N seeded random schedules of L events (default 10 of 120, up to 48 threads at once)',
  '       npm run oracle -- --release [--json]     glibc 2.41: a thread cancelled inside getrandom(), and the threads after it',
].join('\n');

function usage(message: string): never {
  process.stderr.write(`error: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { threads: { type: 'string' }, mode: { type: 'string' }, scenario: { type: 'string' }, release: { type: 'boolean' }, random: { type: 'string' }, seed: { type: 'string' }, length: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
} catch (error) {
  usage((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (values.release) {
  if (positionals.length > 0 || values.scenario !== undefined || values.random !== undefined || values.threads !== undefined || values.mode !== undefined) usage('--release runs on glibc alone and takes no other choice but --json');
  const runs = [];
  for (const mode of ['return', 'cancel'] as const) {
    const { probe, run } = runRelease(mode);
    if (!probe.ok) {
      process.stderr.write(`glibc: ${probe.reason}; nothing to run on this host\n`);
      process.exit(0);
    }
    runs.push(run!);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
  else {
    for (const run of runs) {
      process.stdout.write(`spinner ${run.mode === 'cancel' ? 'cancelled inside getrandom()' : 'returned between calls'}; then three threads, one after another:\n`);
      for (const [index, entry] of run.newcomers.entries()) {
        process.stdout.write(`  newcomer ${index + 1}: first call changed ${entry.first} granule(s); its next 1000 calls changed ${entry.later}${entry.later === 0 ? ' (none reached the vDSO)' : ''}\n`);
      }
    }
    const cancelled = runs[1]!;
    process.stdout.write(
      cancelled.stuckOnSyscall
        ? 'the state of a thread cancelled mid-call went back to the free list with its reserved bit set: every thread that takes it makes one vDSO call, then only system calls\n'
        : 'no thread was left on the system call this run (the spinner ended between calls); run again\n',
    );
  }
  process.exit(0);
}
const names = (positionals.length > 0 ? positionals : IMPLEMENTATIONS.map((entry) => entry.name)) as ImplementationName[];
for (const name of names) if (!IMPLEMENTATIONS.some((entry) => entry.name === name)) usage(`unknown implementation '${name}'`);
const threads = (values.threads ?? '1,5,21,22,50').split(',').map(Number);
if (threads.some((count) => !Number.isSafeInteger(count) || count < 0 || count > 1000)) usage('--threads takes counts from 0 to 1000, e.g. 1,5,21');
const modes: Mode[] = values.mode === undefined ? ['together', 'one-at-a-time'] : [values.mode as Mode];
if (!modes.every((mode) => mode === 'together' || mode === 'one-at-a-time')) usage('--mode is together or one-at-a-time');

const integer = (text: string | undefined, fallback: number, option: string, low: number, high: number): number => {
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < low || value > high) usage(`${option} takes an integer from ${low} to ${high}`);
  return value;
};
let scenarios: ScenarioRun[] | undefined;
if (values.scenario !== undefined || values.random !== undefined) {
  if (values.scenario !== undefined && values.random !== undefined) usage('--scenario and --random are two ways to choose scenarios; give one');
  if (values.threads !== undefined || values.mode !== undefined) usage('--threads and --mode apply to the thread-count runs, not to scenarios');
  if (values.scenario !== undefined) {
    try {
      scenarios = [{ events: threadEvents(parseScenario(values.scenario)) }];
    } catch (error) {
      if (error instanceof SlabError) usage(`--scenario: ${error.message}`);
      throw error;
    }
  } else {
    const count = integer(values.random, 10, '--random', 1, 10_000);
    const seed = integer(values.seed, 1, '--seed', 0, 2 ** 31);
    const length = integer(values.length, 120, '--length', 1, 2000);
    scenarios = Array.from({ length: count }, (_, index) => ({ seed: seed + index, events: randomScenario(seed + index, length, 48) }));
  }
} else if (values.seed !== undefined || values.length !== undefined) {
  usage('--seed and --length apply to --random');
}

let differences = 0;
const report: unknown[] = [];
for (const name of names) {
  const { probe, comparisons } = scenarios === undefined ? runOracle(name, threads, modes) : runScenarios(name, scenarios);
  if (!probe.ok) {
    if (values.json) report.push({ implementation: name, unavailable: probe.reason });
    else process.stderr.write(`${name}: ${probe.reason}; nothing to compare on this host\n`);
    continue;
  }
  for (const comparison of comparisons) {
    differences += comparison.differences;
    if (values.json) report.push(comparison);
    else for (const line of 'threads' in comparison ? render(comparison) : renderScenario(comparison)) process.stdout.write(`${line}\n`);
  }
}
if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else process.stdout.write(differences === 0 ? 'no differences\n' : `${differences} step(s) differ\n`);
process.exit(differences === 0 ? 0 : 1);
