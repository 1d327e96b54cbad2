// The built `vgetrandom` bin, spawned as users run it.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { uniformIntegers } from '../../../packages/getrandom/src/testing/statistics.js';

const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const linux = process.platform === 'linux';
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[/;

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000, maxBuffer: 64 << 20 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.skipIf(!linux)('vgetrandom CLI (needs Linux)', () => {
  it('tour: walks through every layer and exits 0', () => {
    const { status, stdout, stderr } = run([]);
    expect(status).toBe(0);
    expect(stderr).toBe('');
    for (const heading of ['1. The vDSO', '2. The opaque params', '3. The slab', '4. The backend', '5. Some output', '6. How fast']) {
      expect(stdout).toContain(heading);
    }
    expect(stdout).toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/);
  }, 60_000);

  it.each([
    [['info', '--json'], ['platform', 'arch', 'kernel', 'native', 'backend']],
    [['params', '--json'], ['supported']],
    [['slab', '--json', '--states', '5'], ['policy', 'stats', 'layout']],
    [['bench', '--quick', '--json'], ['sizes']],
  ])('%j prints JSON with the documented fields', (args, fields) => {
    const { status, stdout } = run(args);
    expect(status).toBe(0);
    const parsed = JSON.parse(stdout);
    for (const field of fields) expect(parsed).toHaveProperty(field);
  });

  it('info --json names the backend and, on a vDSO host, the params', () => {
    const parsed = JSON.parse(run(['info', '--json']).stdout);
    expect(['vdso', 'syscall', 'crypto']).toContain(parsed.backend.backend);
    if (parsed.backend.backend === 'vdso') expect(parsed.params).toMatchObject({ supported: true, mmapFlagNames: expect.stringContaining('MAP_DROPPABLE') });
  });

  it('symbols lists getrandom and marks it', () => {
    const { status, stdout } = run(['symbols']);
    expect(status).toBe(0);
    if (stdout.includes('getrandom')) expect(stdout).toMatch(/getrandom.*<- getrandom/);
    const parsed = JSON.parse(run(['symbols', '--json']).stdout);
    expect(parsed.symbols.length).toBeGreaterThan(0);
  });

  it.each(['glibc', 'percpu', 'adaptive'])('slab --policy %s draws pages of used and free slots', (policy) => {
    const { status, stdout } = run(['slab', '--policy', policy, '--states', '30', '--simulated', '--cpus', '64']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/│#+\.*│/);
    expect(stdout).toContain('30 in use');
  });

  it('bytes 1M writes exactly 1 048 576 bytes', () => {
    const output = execFileSync(process.execPath, [bin, 'bytes', '1M'], { maxBuffer: 4 << 20 });
    expect(output.length).toBe(1_048_576);
    expect(new Set(output).size).toBe(256);
  });

  it('bytes --hex and --base64 write text of the right length', () => {
    expect(run(['bytes', '16', '--hex']).stdout.trim()).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(run(['bytes', '100000', '--base64']).stdout.trim(), 'base64').length).toBe(100_000);
  });

  it('bytes 1G | head -c 10 ends fast and cleanly', () => {
    const started = Date.now();
    const result = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${bin}" bytes 1G | head -c 10 | wc -c`], { encoding: 'utf8' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stdout.trim()).toBe('10');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('uuid -n 5 and int 1 6 -n 200 print what they promise', () => {
    const uuids = run(['uuid', '-n', '5']).stdout.trim().split('\n');
    expect(uuids).toHaveLength(5);
    for (const uuid of uuids) expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const values = run(['int', '1', '6', '-n', '200']).stdout.trim().split('\n').map(Number);
    expect(values).toHaveLength(200);
    expect(new Set(values)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
  });

  it('--backend and VGETRANDOM_BACKEND choose the backend', () => {
    expect(JSON.parse(run(['--backend', 'syscall', 'info', '--json']).stdout).backend.backend).toBe('syscall');
    expect(JSON.parse(run(['info', '--json'], { VGETRANDOM_BACKEND: 'crypto' }).stdout).backend.backend).toBe('crypto');
  });

  it('colour only when asked for, and never with NO_COLOR', () => {
    expect(run(['info'], { FORCE_COLOR: '1' }).stdout).not.toMatch(ESCAPES);
    const forced = spawnSync(process.execPath, [bin, 'info'], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: undefined } as NodeJS.ProcessEnv });
    expect(forced.stdout).toMatch(ESCAPES);
    expect(run(['tour']).stdout).not.toMatch(ESCAPES);
  }, 60_000);

  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['bytes', '12X'], /'12X' is not a size/],
    [['bytes'], /missing required argument 'size'/],
    [['int', 'a', '5'], /min must be an integer/],
    [['int', '9', '5'], /must not be less than min/],
    [['uuid', '-n', '-1'], /-n must be a safe integer >= 0/],
    [['slab', '--policy', 'buddy'], /--policy must be glibc, percpu or adaptive/],
    [['--backend', 'quantum', 'info'], /Allowed choices are auto, vdso, syscall, crypto/],
    [['bytes', '10', '--hex', '--base64'], /choose one of --hex and --base64/],
    [['info', '--frob'], /unknown option '--frob'/],
  ])('%j exits 2 with one clear line and the usage, no stack trace', (args, message) => {
    const { status, stderr, stdout } = run(args);
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/usage: vgetrandom/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
  });

  it.each([
    // [min, max] inclusive as the CLI takes them, draws, buckets
    [0, 3 * 2 ** 30 - 1, 30_000, 3],
    [0, 2 ** 48 - 2, 100_000, 256],
    [-(2 ** 40), 2 ** 40, 50_000, 64],
    [1, 6, 30_000, 6],
  ])('int %i %i -n %i: uniform over the whole inclusive range (chi-square at 1e-8)', (min, max, count, buckets) => {
    const { status, stdout } = run(['int', String(min), String(max), '-n', String(count)]);
    expect(status).toBe(0);
    const values = stdout.trim().split('\n').map(Number);
    expect(values).toHaveLength(count);
    const result = uniformIntegers(values, min, max + 1, buckets);
    expect(result.passed, result.detail).toBe(true);
    expect(result.counts[buckets - 1]).toBeGreaterThan(0);
  }, 60_000);

  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'));
    for (const flag of ['--version', '-V']) expect(run([flag])).toMatchObject({ status: 0, stdout: `${version}\n` });
  });

  describe('as a Unix tool', () => {
    const shell = (command: string) => spawnSync('sh', ['-c', command], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
    const cli = `"${process.execPath}" "${bin}"`;

    it.each(['uuid -n 50', 'int 1 1000 -n 5000', 'symbols', 'bytes 10M --hex', 'params'])('%s | head -1: stops quietly with exit 0', (command) => {
      // pipefail: the pipeline's status is the CLI's, not head's.
      const result = spawnSync('bash', ['-c', `set -o pipefail; ${cli} ${command} | head -1 >/dev/null; echo $?`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(result.stdout.trim()).toBe('0');
      expect(result.stderr).toBe('');
    });

    it.each(['uuid -n 3', 'int 1 6', 'bytes 1M', 'bytes 16 --hex', 'symbols'])('%s > /dev/full: one line and exit 1', (command) => {
      const result = shell(`${cli} ${command} > /dev/full`);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^error: cannot write the output: ENOSPC[^\n]*\n$/);
    });

    it.each([
      [['uuid', '-n', '16777217'], /-n must be at most 16777216/],
      [['slab', '--page-size', '3'], /--page-size must be a power of two/],
      [['slab', '--page-size', '0'], /--page-size must be a power of two/],
      [['bytes', '1i'], /not a size/],
      [['bytes', '1iB'], /not a size/],
      [['bytes', '1B'], /not a size/],
      [['bytes', '1.5K'], /not a size/],
      [['slab', '--states', '1000000', '--simulated'], /pass --force/],
      [['bytes', '12', '--base64', '--wrap', '10'], /multiple of 4/],
    ])('%j is a user error: exit 2, one line and the usage', (args, message) => {
      const result = run(args);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trim().split('\n');
      expect(lines[0]).toMatch(message);
      expect(lines[1]).toMatch(/^usage: vgetrandom /);
    });

    it.each([
      ['1K', 1024],
      ['1KiB', 1024],
      ['1KB', 1000],
      ['2M', 2 * 1024 ** 2],
      ['2MB', 2_000_000],
      ['3', 3],
    ])('sizes as coreutils reads them: bytes %s writes %i bytes', (size, expected) => {
      expect(spawnSync(process.execPath, [bin, 'bytes', size], { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 }).stdout.length).toBe(expected);
    });

    it('bytes 70M (several workers, each with its own state): exact length, no chunk twice, ends quietly under head', () => {
      const result = spawnSync(process.execPath, [bin, 'bytes', '70M'], { maxBuffer: 128 << 20, env: { ...process.env, NO_COLOR: '1' } });
      expect(result.status).toBe(0);
      const output = result.stdout as Buffer;
      expect(output.length).toBe(70 * 1024 ** 2);
      const heads = new Set<string>();
      for (let at = 0; at < output.length; at += 1024 ** 2) heads.add(output.subarray(at, at + 32).toString('hex'));
      expect(heads.size).toBe(70);
      expect(spawnSync('bash', ['-c', `set -o pipefail; ${cli} bytes 70M | head -c 10 | wc -c`], { encoding: 'utf8' }).stdout.trim()).toBe('10');
    });

    it('uuid -n 0 and int -n 0 print nothing, as shuf -n 0', () => {
      expect(run(['uuid', '-n', '0'])).toMatchObject({ status: 0, stdout: '' });
      expect(run(['int', '1', '6', '-n', '0'])).toMatchObject({ status: 0, stdout: '' });
    });

    it('int up to Number.MAX_SAFE_INTEGER draws inside the inclusive range', () => {
      const { status, stdout } = run(['int', String(Number.MAX_SAFE_INTEGER - 1), String(Number.MAX_SAFE_INTEGER), '-n', '200']);
      expect(status).toBe(0);
      const values = new Set(stdout.trim().split('\n').map(Number));
      expect([...values].sort()).toEqual([Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]);
    });

    it('--backend auto is accepted, as VGETRANDOM_BACKEND=auto is', () => {
      expect(run(['--backend', 'auto', 'uuid'])).toMatchObject({ status: 0 });
    });

    it('--base64 --wrap 64 wraps like openssl rand -base64', () => {
      const lines = run(['bytes', '100', '--base64', '--wrap', '64']).stdout.split('\n');
      expect(lines.map((line) => line.length)).toEqual([64, 64, 8, 0]);
      expect(Buffer.from(lines.join(''), 'base64')).toHaveLength(100);
    });

    it('on a real terminal: bytes 16 --hex shows its output, and no progress line', () => {
      // script(1) gives the command a pseudo-terminal for stdout and stderr.
      const result = spawnSync('script', ['-qec', `${cli} bytes 16 --hex`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(result.stdout.replace(/\r/g, '')).toMatch(/^[0-9a-f]{32}\n$/);
    });

    it('on a terminal, a long output to a file shows progress on stderr with rate and time left, then clears it', () => {
      const file = join(tmpdir(), `vgetrandom-progress-${process.pid}.bin`);
      const result = spawnSync('script', ['-qec', `${cli} bytes 200M > ${file}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      const size = statSync(file).size;
      rmSync(file);
      expect(size).toBe(200 * 1024 ** 2);
      expect(result.stdout).toMatch(/bytes .*%\s+[\d.]+ (MiB|GiB|KiB)\/s\s+\d+ s left/);
      expect(result.stdout.endsWith('\r\u001b[K')).toBe(true);
    });
  });

  it('--help for every subcommand exits 0', () => {
    for (const command of ['tour', 'info', 'symbols', 'params', 'slab', 'bytes', 'uuid', 'int', 'bench']) {
      const { status, stdout } = run([command, '--help']);
      expect(status, command).toBe(0);
      expect(stdout).toContain(`Usage: vgetrandom ${command}`);
    }
  });
});

describe.skipIf(!linux)('docs/state-management.md commands (needs Linux)', () => {
  const guide = readFileSync(fileURLToPath(new URL('../../../docs/state-management.md', import.meta.url)), 'utf8');
  const commands = [...guide.matchAll(/^((?:\w+=\S+ )?npx vgetrandom[^\n#]*?)\s*(?:#.*)?$/gm)].map((match) => match[1]!.trim());

  it('has commands to try', () => {
    expect(commands.length).toBeGreaterThanOrEqual(5);
  });

  it.each(commands)('`%s` runs as written', (command) => {
    // Run from the repository root, where `npx vgetrandom` resolves to this workspace's bin.
    const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], { cwd: fileURLToPath(new URL('../../../', import.meta.url)), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(0);
  });
});
