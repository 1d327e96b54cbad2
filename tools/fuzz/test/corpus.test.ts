// Real vDSO images of other architectures and kernels, against what readelf said of them
// (corpus/manifest.json, written by corpus/make-corpus.mjs without our parser). A lookup
// through the hash tables that a real linker built also checks our hash functions on
// values taken from real images: a slip in either hash loses these symbols.
import { createHash } from 'node:crypto';
import { getrandomSymbolFor, parseVdso } from '@vgetrandom/vdso';
import { describe, expect, it } from 'vitest';
import { compareWithReadelf } from '@vgetrandom/vdso/testing';
import { corpusImages, readelfRows } from '../src/corpus.js';

const images = corpusImages();
const archOf: Record<string, string> = { 'Advanced Micro Devices X86-64': 'x64', AArch64: 'arm64', 'IBM S/390': 's390x', LoongArch: 'loong64', 'RISC-V': 'riscv64' };

function kernelOf(file: string): [number, number] {
  const [major, minor] = /-(\d+)\.(\d+)\.so$/.exec(file)!.slice(1).map(Number);
  return [major!, minor!];
}

describe('the vDSO corpus (Debian kernel debug packages, answers by readelf)', () => {
  it('holds images of at least six architectures, 32- and 64-bit, both byte orders', () => {
    expect(new Set(images.map((image) => image.machine)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(images.map((image) => image.class))).toEqual(new Set(['ELF32', 'ELF64']));
    expect(images.some((image) => image.data.includes('big endian'))).toBe(true);
  });

  it.each(images.map((image) => [image.file, image] as const))('%s: parsed as readelf reads it', (_file, image) => {
    expect(createHash('sha256').update(image.bytes).digest('hex'), 'the image file changed since the manifest was written').toBe(image.imageSha256);
    const parsed = parseVdso(image.bytes);
    expect(parsed.info.elfClass).toBe(image.class === 'ELF64' ? 64 : 32);
    expect(parsed.info.littleEndian).toBe(image.data.includes('little endian'));
    expect(parsed.info.symbolCount).toBe(image.symbolCount);
    expect(parsed.info.hashTable).toBe(image.gnuHash ? 'gnu' : 'sysv');
    const exported = image.symbols.filter((symbol) => ['FUNC', 'NOTYPE'].includes(symbol.type) && ['GLOBAL', 'WEAK'].includes(symbol.bind) && symbol.ndx !== 'UND');
    expect(exported.length).toBeGreaterThan(0);
    // Every defined symbol readelf listed, with its kind, version and value; nothing else.
    expect(compareWithReadelf(parsed, readelfRows(image))).toEqual([]);
    for (const symbol of exported) {
      expect(parsed.lookup(symbol.name, symbol.version ?? undefined)?.value, `${symbol.name}@${symbol.version}`).toBe(BigInt(symbol.value));
      if (!symbol.hidden) expect(parsed.lookup(symbol.name)?.index, symbol.name).toBe(symbol.index);
    }
    for (const symbol of image.symbols.filter((entry) => !exported.includes(entry) && entry.name !== '')) {
      expect(parsed.lookup(symbol.name), `${symbol.name} is ${symbol.type} ${symbol.bind} ${symbol.ndx}`).toBeUndefined();
    }
  });

  it.each(images.filter((image) => archOf[image.machine]).map((image) => [image.file, image] as const))('%s: our getrandom symbol table agrees with the image', (_file, image) => {
    const expected = getrandomSymbolFor(archOf[image.machine]!)!;
    const [major, minor] = kernelOf(image.file);
    const [sinceMajor, sinceMinor] = expected.since.split('.').map(Number) as [number, number];
    const listed = image.symbols.find((symbol) => symbol.name === expected.name);
    const due = major > sinceMajor || (major === sinceMajor && minor >= sinceMinor);
    if (due) expect(listed, `${expected.name} in a ${major}.${minor} image`).toMatchObject({ version: expected.version });
    else expect(image.symbols.some((symbol) => symbol.name.endsWith('getrandom')), `a getrandom before ${expected.since}`).toBe(false);
    expect(parseVdso(image.bytes).lookup(expected.name, expected.version)?.value).toBe(listed ? BigInt(listed.value) : undefined);
  });
});
