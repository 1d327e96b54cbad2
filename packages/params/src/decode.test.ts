import { describe, expect, it } from 'vitest';
import { decodeOpaqueParams, describeMapFlags, describeProt, validateOpaqueParams } from './decode.js';

function struct(words: number[], littleEndian = true): Uint8Array {
  const bytes = new Uint8Array(64);
  const view = new DataView(bytes.buffer);
  words.forEach((word, index) => view.setUint32(index * 4, word, littleEndian));
  return bytes;
}

describe('decodeOpaqueParams', () => {
  it('reads the three fields and 13 reserved words in host order', () => {
    const params = decodeOpaqueParams(struct([144, 0x3, 0x28]));
    expect(params).toEqual({ sizeOfOpaqueState: 144, mmapProt: 3, mmapFlags: 0x28, reserved: new Array(13).fill(0) });
  });

  it('reads a big-endian struct when told to', () => {
    const bytes = struct([256, 0x3, 0x28, 0, 7], false);
    expect(decodeOpaqueParams(bytes, false)).toMatchObject({ sizeOfOpaqueState: 256, mmapProt: 3, mmapFlags: 0x28 });
    expect(decodeOpaqueParams(bytes, false).reserved[1]).toBe(7);
    // The same bytes read little-endian are a different, absurd struct.
    expect(decodeOpaqueParams(bytes, true).sizeOfOpaqueState).toBe(0x0001_0000);
  });

  it('reads through a DataView and a subarray at an offset', () => {
    const outer = new Uint8Array(80);
    outer.set(struct([96, 3, 0x28]), 16);
    expect(decodeOpaqueParams(outer.subarray(16)).sizeOfOpaqueState).toBe(96);
    expect(decodeOpaqueParams(new DataView(outer.buffer, 16)).mmapFlags).toBe(0x28);
  });

  it('rejects fewer than 64 bytes with ERR_PARAMS_TRUNCATED', () => {
    expect(() => decodeOpaqueParams(new Uint8Array(63))).toThrow(expect.objectContaining({ code: 'ERR_PARAMS_TRUNCATED' }));
  });
});

describe('validateOpaqueParams', () => {
  const pageSize = 4096;
  it.each([
    ['valid (this host: 144, RW, ANON|DROPPABLE)', [144, 3, 0x28], 0, { valid: true, warnings: [] }],
    ['a state of exactly one page', [4096, 3, 0x28], 0, { valid: true }],
    ['zero size', [0, 3, 0x28], 0, { valid: false, check: 'size-zero' }],
    ['oversize', [4097, 3, 0x28], 0, { valid: false, check: 'size-exceeds-page' }],
    ['read-only prot', [144, 1, 0x28], 0, { valid: false, check: 'prot-not-read-write' }],
    ['non-zero return value', [144, 3, 0x28], 5, { valid: false, check: 'return-value' }],
  ] as const)('%s', (_label, words, returnValue, expected) => {
    const result = validateOpaqueParams(decodeOpaqueParams(struct([...words])), { pageSize, returnValue });
    expect(result).toMatchObject(expected);
  });

  it('warns, without failing, on non-zero reserved words', () => {
    const result = validateOpaqueParams(decodeOpaqueParams(struct([144, 3, 0x28, 0, 0, 0x10])), { pageSize });
    expect(result.valid).toBe(true);
    expect(result.valid && result.warnings).toEqual(['reserved[2] is 0x10; this kernel may define fields we do not know']);
  });
});

describe('names for prot and flags', () => {
  it.each([
    [0x3, 'PROT_READ|PROT_WRITE'],
    [0x0, 'PROT_NONE'],
    [0x7, 'PROT_READ|PROT_WRITE|PROT_EXEC'],
    [0x83, 'PROT_READ|PROT_WRITE|0x80'],
  ])('prot 0x%s → %s', (prot, name) => {
    expect(describeProt(prot)).toBe(name);
  });

  it.each([
    [0x28, 'MAP_ANONYMOUS|MAP_DROPPABLE'],
    [0x22, 'MAP_ANONYMOUS|MAP_PRIVATE'],
    [0x2028, 'MAP_ANONYMOUS|MAP_LOCKED|MAP_DROPPABLE'],
    [0x4000028, 'MAP_ANONYMOUS|0x4000000|MAP_DROPPABLE'],
    [0x25, 'MAP_ANONYMOUS|MAP_TYPE(0x5)'],
    [0, '0'],
  ])('flags 0x%s → %s', (flags, name) => {
    expect(describeMapFlags(flags)).toBe(name);
  });
});
