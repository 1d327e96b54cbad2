// The realm matrix: which thread imports the package first, and how workers are started and
// ended (raw workers, nested workers, piscina, tinypool, with and without the register
// opt-in). Each scenario runs in a process of its own (realm.mjs) and is judged the same way:
// the backend each thread says it uses, no two live threads on one state, no output twice
// among 10^6 or more, no abort, and only the main thread's state left once the workers are gone.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { discoverParams } from '@vgetrandom/params';
import { describe, expect, it } from 'vitest';

const vdsoHere = process.platform === 'linux' && discoverParams().supported;
const realm = fileURLToPath(new URL('./realm.mjs', import.meta.url));
const REGISTER = ['--import', '@vgetrandom/getrandom/register'];

interface Report {
  threads: Array<{ backend: string; reasons: string[]; state: string | null; started?: string }>;
  main: { backend: string } | null;
  sharedStates: number;
  outputs: number;
  duplicates: number;
  statesInUse: number | null;
}

function scenario(config: Record<string, unknown>, execArgv: string[] = []): Report {
  const result = spawnSync(process.execPath, [...execArgv, realm], { encoding: 'utf8', env: { ...process.env, REALM: JSON.stringify(config) }, timeout: 240_000, maxBuffer: 16 << 20 });
  expect(result.status, `exit ${result.status} ${result.signal ?? ''}\n${result.stderr.slice(0, 3000)}`).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Report;
}

function judge(report: Report, expected: { backend: string; reasons?: string[] }, statesInUse: number | null = 1): void {
  expect(report.sharedStates, 'two live threads held one state').toBe(0);
  expect(report.duplicates, 'an output appeared twice').toBe(0);
  expect(report.outputs).toBeGreaterThanOrEqual(1_000_000);
  for (const thread of report.threads) expect({ backend: thread.backend, reasons: thread.reasons }).toEqual({ backend: expected.backend, reasons: expected.reasons ?? [] });
  expect(report.statesInUse).toBe(statesInUse);
}

// 4 workers with one nested worker each, plus the main thread where it draws: 8 or 9 threads.
const outputs = 130_000;

describe.skipIf(!vdsoHere)('realm matrix (needs vDSO getrandom)', () => {
  it('main imports first; 4 workers and 4 nested: all on the vDSO, one pool', () => {
    const report = scenario({ main: 'first', outputs });
    judge(report, { backend: 'vdso' });
    expect(report.threads).toHaveLength(8);
    expect(report.main?.backend).toBe('vdso');
  }, 250_000);

  it('main imports after starting 4 workers: those (and theirs) use node:crypto and say why; 4 started after use the vDSO', () => {
    const report = scenario({ main: 'late', outputs: 70_000 });
    const before = report.threads.filter((thread) => thread.started === 'before-import');
    const after = report.threads.filter((thread) => thread.started === 'after-import');
    expect(before).toHaveLength(8);
    expect(after).toHaveLength(8);
    for (const thread of before) expect(thread).toMatchObject({ backend: 'crypto', reasons: ['unguarded-thread', 'unguarded-thread'] });
    for (const thread of after) expect(thread).toMatchObject({ backend: 'vdso', reasons: [] });
    expect(report.sharedStates).toBe(0);
    expect(report.duplicates).toBe(0);
    expect(report.statesInUse).toBe(1);
  }, 250_000);

  it('main never imports: workers and nested workers use node:crypto (no abort possible), and say why', () => {
    judge(scenario({ main: 'never', outputs }), { backend: 'crypto', reasons: ['unguarded-thread', 'unguarded-thread'] }, null);
  }, 250_000);

  it('main never imports, but node runs with --import @vgetrandom/getrandom/register: all on the vDSO', () => {
    judge(scenario({ main: 'never', outputs }, REGISTER), { backend: 'vdso' });
  }, 250_000);

  it.each(['piscina', 'tinypool'])('%s, main never imports: node:crypto; with the register opt-in: the vDSO, distinct states', (runner) => {
    judge(scenario({ main: 'never', runner, workers: 8, outputs }), { backend: 'crypto', reasons: ['unguarded-thread', 'unguarded-thread'] }, null);
    judge(scenario({ main: 'never', runner, workers: 8, outputs }, REGISTER), { backend: 'vdso' });
  }, 250_000);

  it.each(['piscina', 'tinypool'])('%s created after the main thread imported the package: the vDSO, distinct states', (runner) => {
    judge(scenario({ main: 'first', runner, workers: 8, outputs: 115_000 }), { backend: 'vdso' });
  }, 250_000);

  // The pool is torn down at 0 to 1.8 times the time its first tasks take (calibrated in each
  // process), so that the stops land while workers start, load koffi and draw, on any machine.
  it.each(['piscina', 'tinypool'])('%s destroy() at startup and under load, 10 runs each, with and without the opt-in: no abort', (runner) => {
    for (let run = 0; run < 10; run += 1) {
      // Each run is progress for the test watchdog (vitest.watchdog.ts): this test may take minutes on a loaded machine.
      (globalThis as { [key: symbol]: (() => void) | undefined })[Symbol.for('vgetrandom:test-progress')]?.();
      for (const execArgv of [[], REGISTER]) {
        scenario({ main: 'never', runner, workers: 4, end: 'destroy-at-start', delayFraction: run / 5 }, execArgv);
        scenario({ main: 'never', runner, workers: 4, end: 'destroy-under-load', delayFraction: 0.5 + run / 5 }, execArgv);
      }
    }
  }, 900_000);
});
