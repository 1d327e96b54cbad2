// The test watchdog (vitest.watchdog.ts, in every package's tests): a test that hangs fails,
// named, instead of hanging npm test until CI's own limit. Proven on a fixture project with the
// repository's settings: an endless synchronous loop, a promise that never settles, and the two
// real planted hangs (the page index's endless probe, the unbounded ELF hash-chain walk).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const config = fileURLToPath(new URL('./hang-fixture/vitest.config.ts', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'vgetrandom-watchdog-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the test watchdog', () => {
  it('fails each hanging test file with the name of the test that hung, runs the rest, and leaves a mark count-tests reads', () => {
    // Run from a scratch directory: the marks go to its .test-results, not to this package's.
    const result = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', '--config', config, '--reporter=json', `--outputFile.json=${join(scratch, 'report.json')}`], {
      cwd: scratch,
      encoding: 'utf8',
      env: { ...process.env, VGETRANDOM_TEST_STALL_MS: '3000', NO_COLOR: '1' },
    });
    expect(result.status).toBe(1);
    const hung = [...`${result.stdout}${result.stderr}`.matchAll(/\[test watchdog\] no progress for 3 s in: (.+)/g)].map((match) => match[1]).sort();
    expect(hung).toEqual([
      'loop.hang.ts > a synchronous endless loop',
      'never.hang.ts > a promise that never settles',
      'planted-elf.hang.ts > the ELF hash-chain walk with no bound (sysv-chain-unbounded)',
      'planted-page-index.hang.ts > the page index with its endless probe (page-index-fills-up)',
    ]);
    const marks = readdirSync(join(scratch, '.test-results')).filter((name) => /^hung-\d+\.txt$/.test(name));
    expect(marks.map((name) => readFileSync(join(scratch, '.test-results', name), 'utf8').trim()).sort()).toEqual(hung);
    // The test that ends still passes.
    const report = JSON.parse(readFileSync(join(scratch, 'report.json'), 'utf8')) as { numPassedTests: number };
    expect(report.numPassedTests).toBe(1);
  });
});
