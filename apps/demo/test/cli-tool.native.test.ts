// The CLI as a tool people script: sizes exactly as GNU head reads them, bounded work, -o
// without partial files, one address format in JSON, a man page and shell completions that
// match the commands.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSize } from '../src/terminal.js';

const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const appRoot = fileURLToPath(new URL('../', import.meta.url));
const linux = process.platform === 'linux';
const scratch = mkdtempSync(join(tmpdir(), 'vgetrandom-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], options: { nodeFlags?: string[] } = {}) {
  const result = spawnSync(process.execPath, [...(options.nodeFlags ?? []), bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

const gnuHead = (() => {
  try {
    return execFileSync('head', ['--version'], { encoding: 'utf8' }).includes('GNU coreutils');
  } catch {
    return false;
  }
})();

describe.skipIf(!gnuHead)('sizes, against GNU head -c itself (needs GNU coreutils)', () => {
  const ours = (text: string) => {
    try {
      return parseSize(text);
    } catch {
      return 'rejected';
    }
  };
  // head's answer: rejected, or the byte count it reads from /dev/zero (small sizes only).
  const heads = (text: string, count: boolean) => {
    const result = spawnSync('head', ['-c', text, count ? '/dev/zero' : '/dev/null'], { maxBuffer: 64 << 20 });
    if (result.status !== 0) return 'rejected';
    return count ? (result.stdout as Buffer).length : 'accepted';
  };
  const small = ['0', '00', '010', '1', '7', '1b', '2b', '1k', '1K', '1kB', '1KB', '1KiB', '1kiB', '3m', '1M', '1MB', '1mB', '1MiB', ' 5', '\t5', '+5', ' +5', '12', 'K', 'k', 'b', 'KB', 'kB', 'KiB', 'm', 'M', 'MB'];
  const rejected = ['', ' ', '1Kib', '1KIB', '1g', '1B', '1iB', '5 ', '1.5', '1.5K', '0x10', '1e3', '1bB', '1b0', '1w', '1x', '1c', '1kb', '1Kb', '1D', '1t', '1p', '1e', '1Mi', '1MiBx', '1KB0', '+K', ' K', 'B', 'iB', 'bB', '-5', '- 5'];
  const large = ['G', 'GB', 'T', '1G', '1GB', '1GiB', '2T', '1TiB', '1TB', '1P', '1PB', '3E', '99999999999999999999', '1Z', '1Y'];

  it.each(small)('%j: the same byte count', (text) => {
    expect(ours(text)).toBe(heads(text, true));
  });

  it.each(rejected)('%j: rejected by both', (text) => {
    // head reads "-5" as "all but the last 5 bytes": accepted there, meaningless for an endless source.
    if (!text.trimStart().startsWith('-')) expect(heads(text, false)).toBe('rejected');
    expect(ours(text)).toBe('rejected');
  });

  it.each(large)('%j: accepted by both with the documented multiplier, or too large for both', (text) => {
    const theirs = heads(text, false);
    const value = ours(text);
    if (theirs === 'rejected') {
      expect(value).toBe('rejected');
      return;
    }
    const match = /^(\d*)([GTPE])(iB|B)?$/.exec(text)!;
    const power = ' KMGTPE'.indexOf(match[2]!);
    const exact = BigInt(match[1] || 1) * (match[3] === 'B' ? 1000n : 1024n) ** BigInt(power);
    // Beyond 2^53 - 1 we say so (head could count that far; a Node number cannot).
    expect(value).toBe(exact > BigInt(Number.MAX_SAFE_INTEGER) ? 'rejected' : Number(exact));
  });

  it.skipIf(!linux)('the CLI reads them so: bytes 1b writes 512 bytes, bytes 1kB 1000 (needs Linux)', () => {
    expect(spawnSync(process.execPath, [bin, 'bytes', '1b']).stdout.length).toBe(512);
    expect(spawnSync(process.execPath, [bin, 'bytes', '1kB']).stdout.length).toBe(1000);
  });
});

describe.skipIf(!linux)('bounded work (needs Linux)', () => {
  it.each([
    [['slab', '--states', '99999999', '--json'], /more than 100000 states; pass --force/],
    [['slab', '--states', '99999999'], /more than 100000 states; pass --force/],
    [['slab', '--page-size', '1G', '--simulated', '--json'], /would map about 1024 MiB; pass --force/],
  ])('%j asks for --force before any allocation, whatever the format', (args, message) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(message);
  });

  it('--force lifts the bound', () => {
    const result = run(['slab', '--states', '100001', '--simulated', '--json', '--force']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).stats.statesInUse).toBe(100_001);
  });

  // A 40 MiB heap cannot hold 2 000 000 UUIDs (about 150 MiB as strings) at once: only a
  // command that makes and writes them in batches finishes.
  it.each([
    ['uuid -n 2000000', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/],
    ['int 1 6 -n 2000000', /^[1-6]$/],
  ])('`%s` runs in a 40 MiB heap: values are made and written in batches', (command, line) => {
    const result = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" --max-old-space-size=40 "${bin}" ${command} | awk 'NR == 1 || NR == 2000000 { print } END { print NR }'`], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const [first, last, count] = result.stdout.trim().split('\n');
    expect(first).toMatch(line);
    expect(last).toMatch(line);
    expect(count).toBe('2000000');
  });

  it('--json streams too, and is the JSON array it would be at once', () => {
    for (const args of [['uuid', '-n', '70000', '--json'], ['int', '0', '9', '-n', '70000', '--json'], ['uuid', '-n', '0', '--json'], ['int', '0', '9', '-n', '1', '--json']]) {
      const result = run(args);
      expect(result.status).toBe(0);
      const parsed = JSON.parse(result.stdout) as unknown[];
      expect(parsed).toHaveLength(Number(args[args.indexOf('-n') + 1]));
      expect(result.stdout).toBe(`${JSON.stringify(parsed, null, 2)}\n`);
    }
  });
});

describe.skipIf(!linux)('bytes -o FILE (needs Linux)', () => {
  const leftovers = (directory: string) => readdirSync(directory).filter((name) => name.endsWith('.tmp'));

  it('writes exactly N bytes, readable by the owner only, and leaves no temporary file', () => {
    const directory = mkdtempSync(join(scratch, 'out-'));
    const file = join(directory, 'key.bin');
    const result = run(['bytes', '100000', '-o', file]);
    expect(result).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(statSync(file).size).toBe(100_000);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(leftovers(directory)).toEqual([]);
    // Text forms too, and an existing file is replaced whole.
    expect(run(['bytes', '32', '--hex', '--output', file]).status).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it('a write that fails (a file-size limit) exits 1 and leaves the old file as it was, and no temporary file', () => {
    const directory = mkdtempSync(join(scratch, 'full-'));
    const file = join(directory, 'key.bin');
    writeFileSync(file, 'old contents\n');
    const result = spawnSync('bash', ['-c', `ulimit -f 8; exec "${process.execPath}" "${bin}" bytes 1M -o "${file}"`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot write the output: EFBIG/);
    expect(readFileSync(file, 'utf8')).toBe('old contents\n');
    expect(leftovers(directory)).toEqual([]);
  });

  it('a missing directory is a user error (exit 2) naming the file', () => {
    const result = run(['bytes', '16', '-o', join(scratch, 'no-such-directory', 'key.bin')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/cannot write .*no-such-directory\/key\.bin: ENOENT/);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s in the middle leaves no file and no temporary file', async (signal) => {
    const directory = mkdtempSync(join(scratch, 'signal-'));
    const file = join(directory, 'big.bin');
    const child = spawn(process.execPath, [bin, 'bytes', '1T', '-o', file], { stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, got) => resolve({ code, signal: got })));
    // Wait (by polls, not a time limit) until the temporary file has bytes in it.
    for (let polls = 0; polls < 100_000; polls += 1) {
      const [temporary] = leftovers(directory);
      if (temporary !== undefined && statSync(join(directory, temporary), { throwIfNoEntry: false })?.size) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(leftovers(directory)).toHaveLength(1);
    child.kill(signal);
    expect((await exited).signal).toBe(signal);
    expect(existsSync(file)).toBe(false);
    expect(leftovers(directory)).toEqual([]);
  }, 120_000);
});

describe.skipIf(!linux)('info --json and slab --json (needs Linux)', () => {
  /** Every value under a key that names an address, at any depth. */
  function addresses(value: unknown, found: Array<[string, unknown]> = [], key = ''): Array<[string, unknown]> {
    if (Array.isArray(value)) value.forEach((item) => addresses(item, found, key));
    else if (value !== null && typeof value === 'object') for (const [inner, item] of Object.entries(value)) addresses(item, found, inner);
    else if (/^(address|base)$/.test(key)) found.push([key, value]);
    return found;
  }

  it('print every address as 0x and lowercase hex', () => {
    const info = addresses(JSON.parse(run(['info', '--json']).stdout));
    const slab = addresses(JSON.parse(run(['slab', '--json', '--states', '30']).stdout));
    expect(info.length + slab.length).toBeGreaterThan(1);
    for (const [key, value] of [...info, ...slab]) expect(value, key).toMatch(/^0x[0-9a-f]+$/);
  });
});

/** Each command and its long options, as the built CLI's --help lists them. */
function helpTable(): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const listOptions = (text: string) => [...text.matchAll(/^\s{2}(?:-\w, )?(--[a-z0-9-]+)/gm)].map((match) => match[1]!);
  const top = run(['--help']).stdout;
  table.set('', listOptions(top.split('Commands:')[0]!));
  const commands = [...top.split('Commands:')[1]!.matchAll(/^\s{2}([a-z]+)/gm)].map((match) => match[1]!).filter((name) => name !== 'help');
  for (const command of commands) table.set(command, listOptions(run([command, '--help']).stdout));
  return table;
}

describe('the man page and shell completions', () => {
  const manifest = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { man: string[]; files: string[] };
  const page = readFileSync(join(appRoot, manifest.man[0]!), 'utf8');
  const table = helpTable();

  it('the package ships them (man field, files)', () => {
    expect(manifest.man).toEqual(['./man/vgetrandom.1']);
    expect(manifest.files).toEqual(expect.arrayContaining(['man', 'completions']));
    expect(table.size).toBeGreaterThanOrEqual(9);
  });

  it('the man page names every command and every option --help lists', () => {
    const roff = page.replace(/\\-/g, '-');
    for (const [command, options] of table) {
      if (command) expect(roff, command).toMatch(new RegExp(`^\\.(?:TP\\n\\.)?B[IR]? ${command}\\b`, 'm'));
      for (const option of options) expect(roff, `${command} ${option}`).toContain(option);
    }
  });

  const man = spawnSync('man', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!man)('man renders it without a warning (needs man-db)', () => {
    const result = spawnSync('man', ['--warnings', '-l', join(appRoot, 'man', 'vgetrandom.1')], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '' } });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('VGETRANDOM(1)');
  });

  /** What bash completion offers for the words typed so far (the last one being completed). */
  function bashOffers(words: string[]): string[] {
    const script = `source "${join(appRoot, 'completions', 'vgetrandom.bash')}"
COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_vgetrandom; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\n').filter(Boolean);
  }

  it('bash completes every command, and every option of each', () => {
    expect(bashOffers(['vgetrandom', ''])).toEqual(expect.arrayContaining([...table.keys()].filter(Boolean)));
    for (const [command, options] of table) {
      const offered = bashOffers(command ? ['vgetrandom', command, '-'] : ['vgetrandom', '-']);
      for (const option of options) expect(offered, `${command} ${option}`).toContain(option);
    }
    expect(bashOffers(['vgetrandom', 'slab', '--profile', 'g'])).toEqual(['glibc-2.41', 'go-1.24']);
    expect(bashOffers(['vgetrandom', '--backend', 's'])).toEqual(['syscall']);
    expect(bashOffers(['vgetrandom', 'bytes', '--h'])).toEqual(['--hex', '--help']);
  });

  const zsh = spawnSync('zsh', ['--version']).status === 0;
  it.skipIf(!zsh)('the zsh completion parses and names every command and option (needs zsh)', () => {
    const file = join(appRoot, 'completions', '_vgetrandom');
    expect(spawnSync('zsh', ['-n', file]).status).toBe(0);
    const text = readFileSync(file, 'utf8');
    for (const [command, options] of table) {
      if (command) expect(text).toContain(`'${command}:`);
      for (const option of options) expect(text, `${command} ${option}`).toContain(option);
    }
  });
});

describe('what a command loads', () => {
  // Start-up is measured by the bench (1.3× the node:crypto one-liner); what it must not load is
  // checked here: explore's server (node:http and what it pulls in) and commander's
  // child_process are loaded only by the commands that use them. (net is Node's own, for a piped stdout.)
  it.each([['uuid'], ['int', '1', '6'], ['bytes', '16', '--hex']])('`vgetrandom %s` loads neither node:http nor child_process', (...args) => {
    const hook = join(scratch, 'builtins.cjs');
    writeFileSync(hook, "process.on('exit', () => require('node:fs').writeSync(2, '\\nLOADED ' + JSON.stringify(process.moduleLoadList.filter((name) => /^NativeModule (http|https|_http_\\w+|child_process)$/.test(name))) + '\\n'));\n");
    const result = spawnSync(process.execPath, ['--require', hook, fileURLToPath(new URL('../bin/vgetrandom.cjs', import.meta.url)), ...args], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(/LOADED (.*)/.exec(result.stderr)?.[1]).toBe('[]');
  });
});
