// Every way a worker can be stopped around its first native call (fixtures/termination-paths.mjs),
// 100 stops a path, each path in a process of its own; the stops are spread over twice the
// time a worker of the kind takes on this machine at this moment (calibrated first), so some
// land before, some inside and some after koffi's setup however loaded the machine is. 0.2
// aborted (exit 134) with these fixtures: terminate() from a thread that never imported the
// package (2 runs of 3), from one that imported it after starting the workers (3 of 3), and
// a parent terminated while its child loads koffi (2 of 3); with a fixed 0-80 ms window also
// a parent that throws (2 of 3). Timing is not judged here.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { discoverParams } from '@vgetrandom/params';
import { describe, expect, it } from 'vitest';

const vdsoHere = process.platform === 'linux' && discoverParams().supported;
const fixture = fileURLToPath(new URL('./fixtures/termination-paths.mjs', import.meta.url));

function run(mode: string, runs = 100): { backends: Record<string, number>; errors: string[] } {
  const result = spawnSync(process.execPath, [fixture], { encoding: 'utf8', env: { ...process.env, PATHS: JSON.stringify({ mode, runs }) }, timeout: 300_000 });
  // 134 is an abort (koffi's FATAL ERROR), 139 a crash.
  expect(result.status, `exit ${result.status} ${result.signal ?? ''}\n${result.stderr.slice(0, 3000)}`).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!);
}

describe.skipIf(!vdsoHere)('no termination path aborts the process (needs vDSO getrandom)', () => {
  it('terminate() from a thread that never imported the package: its workers never load koffi (node:crypto)', () => {
    const result = run('unimported-terminator');
    expect(result.errors).toEqual([]);
    // Some stops came after the first call: the window spans the whole setup.
    expect(Object.keys(result.backends)).toEqual(['crypto']);
  }, 310_000);

  it('terminate() from a thread that imported the package after starting the workers: those workers never load koffi', () => {
    const result = run('late-import');
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.backends)).toEqual(['crypto']);
  }, 310_000);

  it('terminate() of a parent while its child loads koffi (Node stops the child in the parent\'s teardown)', () => {
    const result = run('parent-terminate');
    expect(result.errors).toEqual([]);
    expect(result.backends['vdso']).toBeGreaterThan(0);
    expect(result.backends['crypto']).toBeUndefined();
  }, 310_000);

  it.each(['parent-exit', 'parent-throws', 'parent-ends'])('a parent that ends on its own (%s) while its child loads koffi', (mode) => {
    const result = run(mode);
    expect(result.errors).toEqual([]);
    expect(result.backends['crypto']).toBeUndefined();
  }, 310_000);
});
