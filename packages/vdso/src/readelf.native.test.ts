// The readelf differential: every shared object on this machine (files named *.so, *.so.N
// or *.node under /, one file system, less /proc, /sys, /dev, /run and the temporary
// directories) parsed by parseElf() and compared with `readelf -W --dyn-syms`, symbol by
// symbol: every defined symbol readelf lists is listed with the same index, name, version,
// value, size, type, binding, visibility and section, nothing else is, and the linker-rule
// lookup() finds each one it accepts. Host-dependent: skipped, saying so, without readelf.
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { VdsoParseError } from './errors.js';
import { parseElf } from './parse.js';
import { compareWithReadelf, parseReadelfDynSyms } from './readelf.js';

const hasReadelf = spawnSync('readelf', ['--version'], { stdio: 'ignore' }).status === 0;
const run = promisify(execFile);

/** Every ELF shared object on this machine's root file system, once per file (hard links and symlinks too). */
function sharedObjects(): string[] {
  const found = spawnSync(
    'find',
    ['/', '-xdev', '(', '-path', '/proc', '-o', '-path', '/sys', '-o', '-path', '/dev', '-o', '-path', '/run', '-o', '-path', '/tmp', '-o', '-path', '/var/tmp', ')', '-prune', '-o', '-type', 'f', '(', '-name', '*.so', '-o', '-name', '*.so.*', '-o', '-name', '*.node', ')', '-print'],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const seen = new Set<string>();
  const files: string[] = [];
  for (const path of found.stdout.split('\n')) {
    if (path === '') continue;
    try {
      const stat = statSync(path);
      const key = `${stat.dev}:${stat.ino}`;
      if (seen.has(key) || stat.size < 64) continue;
      const head = readFileSync(path).subarray(0, 4);
      // ELF files only: a "libc.so" may be a linker script.
      if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) continue;
      seen.add(key);
      files.push(realpathSync(path));
    } catch {
      // Unreadable (permissions) or gone since find listed it: not ours to judge.
    }
  }
  return files.sort();
}

const files = hasReadelf ? sharedObjects() : [];
const BATCH = 100;
const batches = Array.from({ length: Math.ceil(files.length / BATCH) }, (_, index) => files.slice(index * BATCH, (index + 1) * BATCH));
const totals = { files: 0, withTable: 0, symbols: 0, ms: 0 };

describe.skipIf(!hasReadelf)('readelf differential over every shared object on this machine (skipped: no readelf here)', () => {
  it('finds shared objects to compare', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(batches.map((batch, index) => [index + 1, batches.length, batch] as const))('batch %i of %i: parseElf() and readelf agree on every defined dynamic symbol', async (_number, _count, batch) => {
    const started = performance.now();
    // readelf complains on stderr about some objects' section headers; what it lists is on stdout.
    const { stdout } = await run('readelf', ['-W', '--dyn-syms', ...batch], { maxBuffer: 1 << 30, encoding: 'utf8' }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const tables = parseReadelfDynSyms(stdout);
    const differences: string[] = [];
    for (const file of batch) {
      // With one file readelf prints no "File:" line.
      const rows = tables.get(batch.length === 1 ? '' : file);
      let image;
      try {
        image = parseElf(readFileSync(file));
      } catch (error) {
        if (!(error instanceof VdsoParseError)) throw error;
        // Refusing an object readelf finds defined dynamic symbols in is a difference.
        if (rows?.some((row) => row.section !== 'UND')) differences.push(`${file}: refused (${error.code}: ${error.message}), readelf lists ${rows.length} symbols`);
        continue;
      }
      totals.files += 1;
      if (!rows) continue;
      totals.withTable += 1;
      totals.symbols += rows.filter((row) => row.section !== 'UND').length;
      for (const difference of compareWithReadelf(image, rows, 5)) differences.push(`${file}: ${difference}`);
    }
    totals.ms += performance.now() - started;
    expect(differences.slice(0, 40)).toEqual([]);
  });

  it("libc.so.6's strlen, under the linker rule, is its IFUNC with its version", () => {
    const libc = files.find((file) => /\/libc\.so\.6$/.test(file));
    if (!libc) throw new Error('no libc.so.6 among the shared objects found');
    const image = parseElf(readFileSync(libc));
    const strlen = image.lookup('strlen');
    expect(strlen).toMatchObject({ name: 'strlen', type: 'ifunc', bind: 'global', hidden: false });
    expect(strlen!.version).toMatch(/^GLIBC_/);
    // The vDSO's rule takes functions and untyped symbols only.
    expect(image.lookup('strlen', undefined, { rule: 'vdso' })).toBeUndefined();
    expect(image.lookup('stdin')).toMatchObject({ type: 'object' });
    expect(image.lookup('errno')).toMatchObject({ type: 'tls', offset: undefined });
  });

  afterAll(() => {
    console.log(`readelf differential: ${totals.files} shared objects parsed (${totals.withTable} with a dynamic symbol table), ${totals.symbols} defined symbols compared, ${(totals.ms / 1000).toFixed(1)} s`);
  });
});
