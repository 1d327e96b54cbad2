// npm run oracle -- [glibc|go ...] [--threads 1,5,21,22,50] [--mode together|one-at-a-time] [--json]
// Runs the real implementations and the matching profiles side by side; exits 1 on any difference.
import { parseArgs } from 'node:util';
import { IMPLEMENTATIONS, type ImplementationName, type Mode, render, runOracle } from './index.js';

const USAGE = 'usage: npm run oracle -- [glibc] [go] [--threads 1,5,21,22,50] [--mode together|one-at-a-time] [--json]';

function usage(message: string): never {
  process.stderr.write(`error: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { threads: { type: 'string' }, mode: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
} catch (error) {
  usage((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const names = (positionals.length > 0 ? positionals : IMPLEMENTATIONS.map((entry) => entry.name)) as ImplementationName[];
for (const name of names) if (!IMPLEMENTATIONS.some((entry) => entry.name === name)) usage(`unknown implementation '${name}'`);
const threads = (values.threads ?? '1,5,21,22,50').split(',').map(Number);
if (threads.some((count) => !Number.isSafeInteger(count) || count < 0 || count > 1000)) usage('--threads takes counts from 0 to 1000, e.g. 1,5,21');
const modes: Mode[] = values.mode === undefined ? ['together', 'one-at-a-time'] : [values.mode as Mode];
if (!modes.every((mode) => mode === 'together' || mode === 'one-at-a-time')) usage('--mode is together or one-at-a-time');

let differences = 0;
const report: unknown[] = [];
for (const name of names) {
  const { probe, comparisons } = runOracle(name, threads, modes);
  if (!probe.ok) {
    if (values.json) report.push({ implementation: name, unavailable: probe.reason });
    else process.stderr.write(`${name}: ${probe.reason}; nothing to compare on this host\n`);
    continue;
  }
  for (const comparison of comparisons) {
    differences += comparison.differences;
    if (values.json) report.push(comparison);
    else for (const line of render(comparison)) process.stdout.write(`${line}\n`);
  }
}
if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else process.stdout.write(differences === 0 ? 'no differences\n' : `${differences} step(s) differ\n`);
process.exit(differences === 0 ? 0 : 1);
