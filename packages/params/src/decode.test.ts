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

describe('every flag by name (what the tour and errors print)', () => {
  it.each([
    [0x1, 'PROT_READ'],
    [0x2, 'PROT_WRITE'],
    [0x4, 'PROT_EXEC'],
    [0x8, 'PROT_SEM'],
    [0x01000000, 'PROT_GROWSDOWN'],
    [0x02000000, 'PROT_GROWSUP'],
    [0x10, '0x10'],
    [0x80000000, '0x80000000'],
  ])('prot 0x%s is %s', (bit, name) => {
    expect(describeProt(bit)).toBe(name);
  });

  it.each([
    [0x1, 'MAP_SHARED'],
    [0x2, 'MAP_PRIVATE'],
    [0x3, 'MAP_SHARED_VALIDATE'],
    [0x8, 'MAP_DROPPABLE'],
    [0x4, 'MAP_TYPE(0x4)'],
    [0x10, 'MAP_FIXED'],
    [0x20, 'MAP_ANONYMOUS'],
    [0x100, 'MAP_GROWSDOWN'],
    [0x800, 'MAP_DENYWRITE'],
    [0x1000, 'MAP_EXECUTABLE'],
    [0x2000, 'MAP_LOCKED'],
    [0x4000, 'MAP_NORESERVE'],
    [0x8000, 'MAP_POPULATE'],
    [0x10000, 'MAP_NONBLOCK'],
    [0x20000, 'MAP_STACK'],
    [0x40000, 'MAP_HUGETLB'],
    [0x80000, 'MAP_SYNC'],
    [0x100000, 'MAP_FIXED_NOREPLACE'],
    [0x40, '0x40'],
  ])('mmap flags 0x%s are %s', (bit, name) => {
    expect(describeMapFlags(bit)).toBe(name);
  });

  it('names several bits in table order, the mapping type last, unknown bits in hex', () => {
    expect(describeProt(0x7)).toBe('PROT_READ|PROT_WRITE|PROT_EXEC');
    expect(describeMapFlags(0x28 | 0x8000 | 0x200)).toBe('MAP_ANONYMOUS|MAP_POPULATE|0x200|MAP_DROPPABLE');
    expect(describeMapFlags(0)).toBe('0');
  });
});

describe('what the checks say', () => {
  const good = { sizeOfOpaqueState: 256, mmapProt: 3, mmapFlags: 0x28, reserved: new Array(13).fill(0) };
  it.each([
    [{ ...good }, { returnValue: -38 }, 'return-value', 'the params query returned -38, expected 0'],
    [{ ...good, sizeOfOpaqueState: 0 }, {}, 'size-zero', 'size_of_opaque_state is 0'],
    [{ ...good, sizeOfOpaqueState: 4097 }, {}, 'size-exceeds-page', 'size_of_opaque_state 4097 exceeds the 4096-byte page'],
    [{ ...good, mmapProt: 1 }, {}, 'prot-not-read-write', 'mmap_prot PROT_READ lacks PROT_READ|PROT_WRITE; the vDSO writes its state'],
  ])('%j %j → %s', (params, extra, check, message) => {
    expect(validateOpaqueParams(params, { pageSize: 4096, ...extra })).toEqual({ valid: false, check, message });
  });

  it('warns about each non-zero reserved word, by index', () => {
    const reserved = new Array(13).fill(0);
    reserved[2] = 0xabc;
    expect(validateOpaqueParams({ ...good, reserved }, { pageSize: 4096 })).toEqual({ valid: true, warnings: ['reserved[2] is 0xabc; this kernel may define fields we do not know'] });
  });

  it('a short struct: ParamsError ERR_PARAMS_TRUNCATED, saying how many bytes it got', () => {
    const error = (() => {
      try {
        decodeOpaqueParams(new Uint8Array(63));
      } catch (caught) {
        return caught as Error & { code: string };
      }
      throw new Error('no error');
    })();
    expect(error).toMatchObject({ name: 'ParamsError', code: 'ERR_PARAMS_TRUNCATED', message: 'vgetrandom_opaque_params is 64 bytes; got 63' });
  });

  it('decodes in either byte order', () => {
    const bytes = new Uint8Array(64);
    new DataView(bytes.buffer).setUint32(0, 256, false);
    expect(decodeOpaqueParams(bytes, false).sizeOfOpaqueState).toBe(256);
    expect(decodeOpaqueParams(bytes, true).sizeOfOpaqueState).toBe(0x00010000);
    // By default, the host's order.
    const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    expect(decodeOpaqueParams(bytes).sizeOfOpaqueState).toBe(hostLittle ? 0x00010000 : 256);
  });
});
