// vitest as a real client: a project of three test files that import the package
// (vitest-project/), run by the vitest binary in its default `threads` pool (files run in
// workers whose main thread never imports the package), with and without the opt-in, and in
// the `forks` pool. Each file draws 340 000 outputs and reports its backend and state.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverParams } from '@vgetrandom/params';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs helper shared with the fixtures
import { countDuplicates } from './draw.mjs';

const vdsoHere = process.platform === 'linux' && discoverParams().supported;
const config = fileURLToPath(new URL('./vitest-project/vitest.config.mjs', import.meta.url));
// The vitest binary of this repository (its package.json "bin", not an exported subpath).
const vitest = fileURLToPath(new URL('vitest.mjs', import.meta.resolve('vitest/package.json')));

interface FileReport { threadId: number; isMainThread: boolean; backend: string; reasons: string[]; state: string | null }

function runProject(env: Record<string, string>): { reports: FileReport[]; duplicates: number; outputs: number } {
  const directory = mkdtempSync(join(tmpdir(), 'vgetrandom-vitest-'));
  const reports = join(directory, 'reports.jsonl');
  // The outer vitest's own variables would make the inner one think it runs inside a worker.
  const outer = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'TINYPOOL_WORKER_ID' && key !== 'NODE_OPTIONS'));
  const result = spawnSync(process.execPath, [vitest, 'run', '--config', config], { encoding: 'utf8', env: { ...outer, ...env, REALM_REPORTS: reports }, timeout: 240_000 });
  expect(result.status, `${result.stdout.slice(-2000)}\n${result.stderr.slice(0, 2000)}`).toBe(0);
  const chunks = readdirSync(directory).filter((name) => name.endsWith('.bin')).map((name) => new Uint8Array(readFileSync(join(directory, name))));
  return { reports: readFileSync(reports, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as FileReport), ...countDuplicates(chunks) };
}

describe.skipIf(!vdsoHere)('vitest 4 running a user\'s tests (needs vDSO getrandom)', () => {
  it('threads pool (the default): files run in workers, which use node:crypto and say why', () => {
    const run = runProject({});
    expect(run.reports).toHaveLength(3);
    for (const report of run.reports) expect(report).toMatchObject({ isMainThread: false, backend: 'crypto', reasons: ['unguarded-thread', 'unguarded-thread'] });
    expect(run.outputs).toBe(1_020_000);
    expect(run.duplicates).toBe(0);
  }, 250_000);

  it.each([
    ['NODE_OPTIONS=--import @vgetrandom/getrandom/register', { NODE_OPTIONS: '--import @vgetrandom/getrandom/register' }],
    ['globalSetup: [\'@vgetrandom/getrandom/register\']', { REALM_GLOBAL_SETUP: '1' }],
  ])('threads pool with %s: every file\'s worker on the vDSO, distinct states, no output twice in 1 020 000', (_name, env) => {
    const run = runProject(env);
    expect(run.reports).toHaveLength(3);
    for (const report of run.reports) expect(report).toMatchObject({ isMainThread: false, backend: 'vdso', reasons: [] });
    expect(new Set(run.reports.map((report) => report.state)).size).toBe(3);
    expect(run.outputs).toBe(1_020_000);
    expect(run.duplicates).toBe(0);
  }, 250_000);

  it('forks pool: each file in a process of its own, on the vDSO without any opt-in', () => {
    const run = runProject({ REALM_POOL: 'forks' });
    for (const report of run.reports) expect(report).toMatchObject({ isMainThread: true, backend: 'vdso', reasons: [] });
    expect(run.duplicates).toBe(0);
  }, 250_000);
});
