// The bench runs end to end and reports every row and every target line. Timings are
// its output, not something a test asserts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverParams } from '@vgetrandom/params';
import { describe, expect, it } from 'vitest';

const bench = fileURLToPath(new URL('../dist/bench.js', import.meta.url));
const vdsoHere = process.platform === 'linux' && discoverParams().supported;

describe.skipIf(!vdsoHere)('npm run bench (smoke budget; needs vDSO getrandom)', () => {
  it('measures every row and prints every target line, and saves the run', () => {
    const directory = mkdtempSync(join(tmpdir(), 'bench-'));
    try {
      const out = join(directory, 'run.json');
      const text = execFileSync(process.execPath, ['--expose-gc', bench, '--smoke', '--out', out], { encoding: 'utf8', timeout: 170_000, stdio: ['ignore', 'pipe', 'ignore'] });
      const saved = JSON.parse(readFileSync(out, 'utf8'));
      for (const row of ['koffi: raw vDSO call', 'getrandom(), vdso backend', 'getrandom(), syscall backend', 'getrandom(), crypto backend', 'crypto.randomFillSync', 'crypto.getRandomValues']) {
        expect(Object.keys(saved.rows[row] ?? {}), row).toEqual(['16', '65536']);
      }
      expect(saved.host).toMatchObject({ node: process.version, arch: process.arch });
      expect(saved.targets).toHaveLength(24);
      for (const target of saved.targets) expect(text).toContain(target.name);
      // The C ratio is information, never judged: a koffi call alone is above it.
      expect(saved.targets.map((target: { name: string }) => target.name).join('\n')).not.toMatch(/C vDSO call/);
      const againstC = ['getrandom(16) / the C vDSO call', 'raw koffi vDSO call / the C vDSO call, 16 B', 'koffi no-op (same prototype) / the C vDSO call, 16 B'];
      const workerStart = [
        'first call, 8 workers at once: max / one worker alone',
        "koffi's own load (require + load libc), 32 workers at once: max / one alone (the floor)",
        'koffi alone (a worker that loads it and makes one call), per 1 000 workers',
      ];
      expect(saved.information.map((entry: { name: string }) => entry.name)).toEqual([...(saved.cLimit === 'measured' ? againstC : []), 'a process that only loads koffi, then the same one-liner (the floor)', ...workerStart]);
      // Command start-up is timed side by side with the node:crypto one-liner, round by round.
      expect(saved.cliStart.rounds).toBe(3);
      expect(Object.keys(saved.cliStart.ratio).sort()).toEqual(['bytes16', 'crypto', 'int', 'koffi', 'uuid']);
      for (const entry of saved.information) expect(text).toContain(entry.name);
      expect(text).toMatch(/^ {2}(PASS|MISS|SKIP) {2}/m);
      // The 16-byte targets are ratios taken within alternating slices, one per call judged.
      expect(saved.sideBySide.slices).toBe(2);
      expect(saved.sideBySide.yardstick).toBeGreaterThan(0);
      for (const key of ['reused', 'fresh', 'randomBytes', 'randomInt', 'randomUUID']) {
        expect(saved.sideBySide.ns[key], key).toBeGreaterThan(0);
        expect(saved.sideBySide.ratio[key], key).toBeGreaterThan(0);
      }
      expect(saved.threads.scaling.one).toBeGreaterThan(0);
      expect(saved.memory.statesInUse).toBe(1);
      // Worker start: first calls at 1, 8 and 32 workers (ours and koffi's own load), fresh
      // workers of three kinds, and what 40 workers of three kinds left behind.
      const { firstCalls, fresh, churn } = saved.workerStart;
      for (const value of [firstCalls.alone, firstCalls.eight.maxMs, firstCalls.thirtyTwo.maxMs, firstCalls.koffiAlone, firstCalls.koffiThirtyTwo.maxMs, fresh.ours, fresh.crypto, fresh.koffi]) expect(value).toBeGreaterThan(0);
      expect(firstCalls.thirtyTwo.maxMs).toBeGreaterThanOrEqual(firstCalls.thirtyTwo.medianMs);
      expect(churn.workers).toBe(40);
      for (const kind of ['ours', 'crypto', 'koffi']) expect(Number.isFinite(churn[kind].mappings) && Number.isFinite(churn[kind].rssMiB), kind).toBe(true);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 180_000);
});

describe.skipIf(!vdsoHere)('the root scripts as scripts use them (needs vDSO getrandom)', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const latest = fileURLToPath(new URL('../results/latest.json', import.meta.url));

  it('npm run -s bench -- --smoke --json prints only JSON, and a run that is not full leaves the saved full run alone', () => {
    const before = readFileSync(latest, 'utf8');
    const stdout = execFileSync('npm', ['run', '-s', 'bench', '--', '--smoke', '--json'], { cwd: root, encoding: 'utf8', timeout: 170_000, stdio: ['ignore', 'pipe', 'ignore'] });
    expect(JSON.parse(stdout)).toMatchObject({ mode: 'smoke' });
    expect(readFileSync(latest, 'utf8')).toBe(before);
  }, 180_000);

  it('npm run -s fuzz -- slab --json prints only JSON', () => {
    const stdout = execFileSync('npm', ['run', '-s', 'fuzz', '--', 'slab', '--runs', '20', '--seed', '1', '--json'], { cwd: root, encoding: 'utf8', timeout: 170_000, stdio: ['ignore', 'pipe', 'ignore'] });
    expect(JSON.parse(stdout)).toMatchObject({ target: 'slab', findings: 0 });
  }, 180_000);
});
