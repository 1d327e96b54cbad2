import { describe, expect, it } from 'vitest';
import { AT_PAGESZ, AT_SYSINFO_EHDR, parseAuxv } from './auxv.js';

function encode(pairs: Array<[number, bigint]>, wordSize: 4 | 8, littleEndian: boolean): Uint8Array {
  const bytes = new Uint8Array(pairs.length * 2 * wordSize);
  const view = new DataView(bytes.buffer);
  pairs.forEach(([key, value], index) => {
    const at = index * 2 * wordSize;
    if (wordSize === 8) {
      view.setBigUint64(at, BigInt(key), littleEndian);
      view.setBigUint64(at + 8, value, littleEndian);
    } else {
      view.setUint32(at, key, littleEndian);
      view.setUint32(at + 4, Number(value), littleEndian);
    }
  });
  return bytes;
}

describe('parseAuxv', () => {
  it.each([
    [8, true],
    [8, false],
    [4, true],
    [4, false],
  ] as const)('reads %i-byte words, little-endian=%s, and stops at AT_NULL', (wordSize, littleEndian) => {
    const bytes = encode(
      [
        [AT_PAGESZ, 4096n],
        [AT_SYSINFO_EHDR, 0x7fff_0000n],
        [0, 0n],
        [AT_PAGESZ, 99n],
      ],
      wordSize,
      littleEndian,
    );
    const auxv = parseAuxv(bytes, wordSize, littleEndian);
    expect(auxv.get(AT_PAGESZ)).toBe(4096n);
    expect(auxv.get(AT_SYSINFO_EHDR)).toBe(0x7fff_0000n);
    expect(auxv.size).toBe(2);
  });

  it('ignores a truncated trailing pair', () => {
    const bytes = encode([[AT_PAGESZ, 4096n]], 8, true);
    const withTail = new Uint8Array(bytes.length + 12);
    withTail.set(bytes);
    expect(parseAuxv(withTail, 8, true).get(AT_PAGESZ)).toBe(4096n);
    expect(parseAuxv(bytes.subarray(0, 15), 8, true).size).toBe(0);
  });
});
