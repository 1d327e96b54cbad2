import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AT_SYSINFO_EHDR, getauxval, readMemory, toAddress } from '@vgetrandom/sys';
import { getrandomSymbolFor } from './arch.js';
import { locateVdso, resolveVdsoSymbol } from './native.js';
import { parseVdso } from './parse.js';
import { type ReadelfSymbol, compareWithReadelf, parseReadelfDynSyms } from './readelf.js';

const hasVdso = process.platform === 'linux' && getauxval(AT_SYSINFO_EHDR) !== 0n;
const hasReadelf = (() => {
  try {
    execFileSync('readelf', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The whole [vdso] mapping of this process, as /proc/self/maps gives its range. */
function dumpVdsoMapping(): Uint8Array {
  const line = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .find((entry) => entry.endsWith('[vdso]'));
  if (!line) throw new Error('no [vdso] line in /proc/self/maps');
  const [start, end] = line.split(' ')[0]!.split('-').map((hex) => BigInt(`0x${hex}`)) as [bigint, bigint];
  return readMemory(toAddress(start), Number(end - start)).slice();
}

/** readelf's rows for `bytes`, read by the package's readelf differential. */
function readelfSymbols(bytes: Uint8Array): ReadelfSymbol[] {
  const dir = mkdtempSync(join(tmpdir(), 'vdso-'));
  try {
    const path = join(dir, 'vdso.so');
    writeFileSync(path, bytes);
    const output = execFileSync('readelf', ['-W', '--dyn-syms', path], { encoding: 'utf8' });
    return parseReadelfDynSyms(output).get('') ?? [];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!hasVdso)('the live vDSO of this process (needs Linux and a vDSO)', () => {
  it('is located at AT_SYSINFO_EHDR and spans its PT_LOAD segments', () => {
    const vdso = locateVdso()!;
    expect(vdso.base).toBe(getauxval(AT_SYSINFO_EHDR));
    expect(vdso.length).toBeGreaterThan(0);
    expect([...vdso.bytes.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(locateVdso()).toBe(vdso);
  });

  it("exports this architecture's getrandom symbol with its version", (context) => {
    const expected = getrandomSymbolFor();
    if (!expected) context.skip(`no vDSO getrandom is defined for ${process.arch}`);
    const symbol = locateVdso()!.image.lookup(expected!.name, expected!.version);
    if (!symbol) context.skip(`the kernel (${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}) predates vDSO getrandom`);
    expect(symbol).toMatchObject({ name: expected!.name, version: expected!.version, hidden: false });
    expect(symbol!.type).toBe('func');
  });

  it('symbols() lists the clock functions and getrandom with versions', (context) => {
    const names = locateVdso()!.image.symbols().map((symbol) => `${symbol.name}@${symbol.version ?? ''}`);
    if (process.arch !== 'x64') context.skip('the exact names checked here are x86_64 ones');
    expect(names).toEqual(expect.arrayContaining(['__vdso_clock_gettime@LINUX_2.6', '__vdso_gettimeofday@LINUX_2.6', '__vdso_time@LINUX_2.6']));
    if (getrandomSymbolFor() && locateVdso()!.image.lookup('__vdso_getrandom')) {
      expect(names).toContain('__vdso_getrandom@LINUX_2.6');
    }
  });

  it.skipIf(!hasReadelf)('every symbol and value agrees with readelf on a dump of the same vDSO (needs readelf)', () => {
    const dump = dumpVdsoMapping();
    const theirs = readelfSymbols(dump);
    expect(theirs.filter((symbol) => symbol.type === 'func').length).toBeGreaterThan(0);
    // Every defined symbol with its index, name, version, value, size, type, binding, visibility and section.
    expect(compareWithReadelf(parseVdso(dump), theirs)).toEqual([]);
  });

  it('resolveVdsoSymbol returns base + offset and caches it', () => {
    const vdso = locateVdso()!;
    const first = vdso.image.symbols().find((symbol) => symbol.type === 'func')!;
    const address = resolveVdsoSymbol(first.name, first.version);
    expect(address).toBe(vdso.base + BigInt(first.offset!));
    expect(resolveVdsoSymbol(first.name, first.version)).toBe(address);
    expect(resolveVdsoSymbol('__vdso_no_such_function')).toBeUndefined();
  });
});
