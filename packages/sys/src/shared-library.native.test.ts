// openSharedLibrary: calling a C library of the user's through koffi without importing koffi.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSharedLibrary } from './index.js';

const hasCc = process.platform === 'linux' && spawnSync('cc', ['--version']).status === 0;
const directory = mkdtempSync(join(tmpdir(), 'vgetrandom-sys-lib-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe.skipIf(!hasCc)('openSharedLibrary (needs Linux and cc)', () => {
  const source = join(directory, 'plus.c');
  const library = join(directory, 'libplus.so');
  writeFileSync(source, 'long plus(long a, long b) { return a + b; }\nvoid *echo(void *p) { return p; }\n');
  if (hasCc) execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', library, source]);

  it('calls a function of the library by its C prototype, pointers as bigints', () => {
    const lib = openSharedLibrary(library);
    expect(lib.required('long plus(long a, long b)')(40, 2)).toBe(42);
    expect(lib.path).toBe(library);
    // Addresses cross as uintptr_t: a number below 2^53, as every user-space address is.
    expect(lib.required('uintptr_t echo(uintptr_t p)')(0x7f0000001000)).toBe(0x7f0000001000);
  });

  it('says which symbol is missing, and optional() gives undefined for it', () => {
    const lib = openSharedLibrary(library);
    expect(lib.optional('int vgr_check(void)')).toBeUndefined();
    expect(() => lib.required('int vgr_check(void)')).toThrow(expect.objectContaining({ code: 'ERR_SYMBOL_MISSING', message: expect.stringContaining("'int vgr_check(void)'") }));
  });

  it('refuses a path that is not a loadable library with the loader\'s reason', () => {
    expect(() => openSharedLibrary(join(directory, 'missing.so'))).toThrow(expect.objectContaining({ code: 'ERR_LIBRARY_UNAVAILABLE', message: expect.stringMatching(/missing\.so/) }));
    expect(() => openSharedLibrary(source)).toThrow(expect.objectContaining({ code: 'ERR_LIBRARY_UNAVAILABLE' }));
    expect(() => openSharedLibrary('')).toThrow(expect.objectContaining({ code: 'ERR_LIBRARY_UNAVAILABLE' }));
  });
});
