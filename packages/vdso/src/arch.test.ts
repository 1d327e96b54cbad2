// The per-architecture getrandom symbol table: what the loader looks up on each process.arch.
// (tools/fuzz/test/corpus.test.ts checks it against real images of those architectures.)
import { describe, expect, it } from 'vitest';
import { getrandomSymbolFor, getrandomSymbolTable } from './arch.js';

describe('getrandom symbol table', () => {
  it.each([
    ['x64', '__vdso_getrandom', 'LINUX_2.6', '6.11', false],
    ['arm64', '__kernel_getrandom', 'LINUX_2.6.39', '6.12', false],
    ['ppc', '__kernel_getrandom', 'LINUX_2.6.15', '6.12', true],
    ['ppc64', '__kernel_getrandom', 'LINUX_2.6.15', '6.12', true],
    ['s390x', '__kernel_getrandom', 'LINUX_2.6.29', '6.12', false],
    ['loong64', '__vdso_getrandom', 'LINUX_5.10', '6.12', false],
    ['riscv64', '__vdso_getrandom', 'LINUX_4.15', '6.16', false],
  ] as const)('%s: %s@%s since %s (syscall only: %s)', (arch, name, version, since, syscallOnly) => {
    expect(getrandomSymbolFor(arch)).toEqual({ name, version, since, syscallOnly });
  });

  it('has no entry for architectures without a vDSO getrandom', () => {
    for (const arch of ['ia32', 'arm', 'mips', 'mipsel', 'riscv32', 's390', 'x32', 'constructor', 'toString']) expect(getrandomSymbolFor(arch)).toBeUndefined();
  });

  it('defaults to this process.arch', () => {
    expect(getrandomSymbolFor()).toEqual(getrandomSymbolFor(process.arch));
  });

  it('lists every architecture once', () => {
    const table = getrandomSymbolTable();
    expect(table.map(([arch]) => arch)).toEqual(['x64', 'arm64', 'ppc', 'ppc64', 's390x', 'loong64', 'riscv64']);
    for (const [arch, symbol] of table) expect(getrandomSymbolFor(arch)).toBe(symbol);
  });
});
