// Every way an image can be refused, with the code, the offset and the message a user
// sees, and the corners that must not be refused (clamped sizes, ignored tags). Images are
// synthetic 64-bit little-endian ones (load vaddr 0x10000), patched one field at a time.
import { describe, expect, it } from 'vitest';
import { VdsoParseError } from './errors.js';
import { DT_GNU_HASH, DT_HASH, DT_STRSZ, DT_STRTAB, DT_SYMENT, DT_SYMTAB, DT_VERDEFNUM } from './layout.js';
import { parseVdso, vdsoImageLength } from './parse.js';
import { ByteReader } from './reader.js';
import { type SyntheticVdsoOptions, buildSyntheticVdso } from './testing.js';

const symbols = [{ name: 'getrandom', version: 'LINUX_2.6' }, { name: 'time', version: 'LINUX_2.6' }, { name: 'zz_last', version: 'LINUX_2.6' }];
const LOAD = 0x10000n;

function image(options: Partial<SyntheticVdsoOptions> = {}) {
  const bytes = buildSyntheticVdso({ hash: 'both', symbols, ...options }).bytes;
  const view = new DataView(bytes.buffer);
  const phdr = (index: number) => 64 + index * 56;
  const dynamic = Number(view.getBigUint64(phdr(1) + 8, true));
  /** The dynamic entry (its byte offset) holding `tag`. */
  const entry = (tag: number) => {
    for (let at = dynamic; ; at += 16) {
      const found = Number(view.getBigInt64(at, true));
      if (found === tag) return at;
      if (found === 0) throw new Error(`no tag ${tag}`);
    }
  };
  return {
    bytes,
    view,
    phdr,
    entry,
    /** Image offset a tag's address points at. */
    at: (tag: number) => Number(view.getBigUint64(entry(tag) + 8, true) - LOAD),
    setTag: (tag: number, value: bigint) => view.setBigUint64(entry(tag) + 8, value, true),
    renameTag: (tag: number, to: number) => view.setBigInt64(entry(tag), BigInt(to), true),
  };
}

function refusal(run: () => unknown): { code: string; offset: number; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(VdsoParseError);
    const { code, offset, message } = error as VdsoParseError;
    return { code, offset, message };
  }
  throw new Error('expected a VdsoParseError');
}

describe('refused images: code, offset and message', () => {
  it('a program header of the wrong size', () => {
    const { bytes, view } = image();
    view.setUint16(54, 32, true);
    expect(refusal(() => parseVdso(bytes))).toEqual({ code: 'ERR_VDSO_BAD_HEADER', offset: 54, message: 'e_phentsize is 32, expected 56 (at offset 54)' });
  });

  it('program headers that start past the end', () => {
    const { bytes, view } = image();
    view.setBigUint64(32, BigInt(bytes.length + 1), true);
    expect(refusal(() => parseVdso(bytes))).toEqual({ code: 'ERR_VDSO_TRUNCATED', offset: 32, message: `e_phoff is ${bytes.length + 1}, past the ${bytes.length}-byte image (at offset 32)` });
  });

  it('a segment that ends past the image', () => {
    const { bytes, view, phdr } = image();
    view.setBigUint64(phdr(0) + 32, BigInt(bytes.length + 1), true);
    expect(refusal(() => parseVdso(bytes))).toEqual({
      code: 'ERR_VDSO_TRUNCATED',
      offset: phdr(0),
      message: `segment of type 1 ends past the image (0 + ${bytes.length + 1} > ${bytes.length}) (at offset ${phdr(0)})`,
    });
  });

  it('no PT_LOAD', () => {
    const { bytes, view, phdr } = image();
    view.setUint32(phdr(0), 0x6474e551, true);
    expect(refusal(() => parseVdso(bytes))).toEqual({ code: 'ERR_VDSO_NO_LOAD', offset: 0, message: 'the image has no PT_LOAD segment (at offset 0)' });
    expect(refusal(() => vdsoImageLength(bytes))).toMatchObject({ code: 'ERR_VDSO_NO_LOAD' });
  });

  it.each([
    ['DT_SYMTAB', DT_SYMTAB],
    ['DT_STRTAB', DT_STRTAB],
  ])('no %s', (_name, tag) => {
    const { bytes, renameTag, phdr, view } = image();
    renameTag(tag, 0x7fff0000);
    const dynamic = Number(view.getBigUint64(phdr(1) + 8, true));
    expect(refusal(() => parseVdso(bytes))).toEqual({ code: 'ERR_VDSO_NO_SYMTAB', offset: dynamic, message: `the dynamic section lacks DT_SYMTAB or DT_STRTAB (at offset ${dynamic})` });
  });

  it('DT_SYMENT of another size', () => {
    const { bytes, setTag, phdr, view } = image();
    setTag(DT_SYMENT, 16n);
    const dynamic = Number(view.getBigUint64(phdr(1) + 8, true));
    expect(refusal(() => parseVdso(bytes))).toEqual({ code: 'ERR_VDSO_BAD_HEADER', offset: dynamic, message: `DT_SYMENT is 16, expected 24 (at offset ${dynamic})` });
  });

  it('neither hash table', () => {
    const { bytes, renameTag, phdr, view } = image();
    renameTag(DT_HASH, 0x7fff0001);
    renameTag(DT_GNU_HASH, 0x7fff0002);
    const dynamic = Number(view.getBigUint64(phdr(1) + 8, true));
    expect(refusal(() => parseVdso(bytes))).toEqual({ code: 'ERR_VDSO_NO_HASH', offset: dynamic, message: `the dynamic section has neither DT_GNU_HASH nor DT_HASH (at offset ${dynamic})` });
  });

  it('a table address outside the image', () => {
    const { bytes, setTag } = image();
    setTag(DT_STRTAB, LOAD + BigInt(bytes.length));
    expect(refusal(() => parseVdso(bytes))).toEqual({
      code: 'ERR_VDSO_BAD_ADDRESS',
      offset: 0,
      message: `DT_STRTAB address 0x${(LOAD + BigInt(bytes.length)).toString(16)} falls outside the image (at offset 0)`,
    });
  });

  it('an address below the load address', () => {
    const { bytes, setTag } = image();
    setTag(DT_SYMTAB, LOAD - 1n);
    expect(refusal(() => parseVdso(bytes))).toMatchObject({ code: 'ERR_VDSO_BAD_ADDRESS', message: 'DT_SYMTAB address 0xffff falls outside the image (at offset 0)' });
  });

  it('a GNU hash table with no buckets, or no bloom words', () => {
    for (const field of [0, 8]) {
      const { bytes, view, at } = image({ hash: 'gnu' });
      const table = at(DT_GNU_HASH);
      view.setUint32(table + field, 0, true);
      const [buckets, bloom] = field === 0 ? [0, 2] : [3, 0];
      expect(refusal(() => parseVdso(bytes))).toEqual({
        code: 'ERR_VDSO_BAD_HASH',
        offset: table,
        message: `GNU hash has ${buckets} buckets and ${bloom} bloom words; both must be non-zero (at offset ${table})`,
      });
    }
  });

  it('a GNU hash table larger than the image', () => {
    const { bytes, view, at } = image({ hash: 'gnu' });
    const table = at(DT_GNU_HASH);
    view.setUint32(table, 100_000, true);
    expect(refusal(() => parseVdso(bytes))).toMatchObject({ code: 'ERR_VDSO_TRUNCATED', message: expect.stringMatching(/^GNU hash bloom filter and buckets/) });
  });

  it('a DT_HASH table with no buckets', () => {
    const { bytes, view, at } = image({ hash: 'sysv' });
    const table = at(DT_HASH);
    view.setUint32(table, 0, true);
    expect(refusal(() => parseVdso(bytes))).toEqual({ code: 'ERR_VDSO_BAD_HASH', offset: table, message: `DT_HASH has no buckets (at offset ${table})` });
  });

  it('a DT_HASH table larger than the image', () => {
    const { bytes, view, at } = image({ hash: 'sysv' });
    view.setUint32(at(DT_HASH) + 4, 100_000, true);
    expect(refusal(() => parseVdso(bytes))).toMatchObject({ code: 'ERR_VDSO_TRUNCATED', message: expect.stringMatching(/^DT_HASH buckets and chains/) });
  });

  it('an 8-byte DT_HASH entry larger than the image', () => {
    const { bytes, view, at } = image({ hash: 'sysv', hashEntrySize: 8, littleEndian: true, machine: 22 });
    const table = at(DT_HASH);
    view.setBigUint64(table, BigInt(bytes.length) + 1n, true);
    expect(refusal(() => parseVdso(bytes, { hashEntrySize: 8 }))).toEqual({
      code: 'ERR_VDSO_BAD_HASH',
      offset: table,
      message: `DT_HASH nbucket is ${bytes.length + 1}, larger than the image (at offset ${table})`,
    });
  });

  it('a GNU hash bucket below symoffset', () => {
    const { bytes, view, at } = image({ hash: 'gnu', bucketCount: 1 });
    const table = at(DT_GNU_HASH);
    const buckets = table + 16 + 2 * 8;
    view.setUint32(table + 4, 2, true); // symoffset 2, bucket still says 1
    expect(refusal(() => parseVdso(bytes).lookup('getrandom'))).toEqual({
      code: 'ERR_VDSO_BAD_HASH',
      offset: buckets,
      message: `GNU hash bucket points to symbol 1, below symoffset 2 (at offset ${buckets})`,
    });
  });

  it('a name that runs past the end of the string table (DT_STRSZ)', () => {
    const { bytes, setTag, at } = image({ hash: 'gnu', versions: [] });
    const strtab = at(DT_STRTAB);
    // The strings: "", the soname (21 bytes with its NUL), then the names. Cut the table inside the first name.
    setTag(DT_STRSZ, 24n);
    const error = refusal(() => parseVdso(bytes).symbols());
    expect(error.code).toBe('ERR_VDSO_BAD_STRING');
    expect(error.offset).toBeGreaterThan(strtab);
    expect(error.message).toMatch(/^name of symbol \d+ is not NUL-terminated within its table \(at offset \d+\)$/);
  });

  it('a version name that runs past the end of the string table', () => {
    const { bytes, view, entry, setTag } = image({ hash: 'gnu' });
    const strsz = view.getBigUint64(entry(DT_STRSZ) + 8, true);
    setTag(DT_STRSZ, strsz - 1n);
    expect(refusal(() => parseVdso(bytes).symbols())).toMatchObject({ code: 'ERR_VDSO_BAD_STRING', message: expect.stringMatching(/^version name of Verdef 2 is not NUL-terminated/) });
  });
});

describe('corners that are not refused', () => {
  it('a DT_STRSZ larger than the image is clamped to it', () => {
    const { bytes, setTag } = image();
    setTag(DT_STRSZ, 1n << 40n);
    expect(parseVdso(bytes).symbols().map((symbol) => symbol.name).sort()).toEqual(['getrandom', 'time', 'zz_last']);
  });

  it('a DT_STRSZ that ends exactly after the last string is enough', () => {
    const { bytes } = image({ versions: [] });
    expect(parseVdso(bytes).symbols().map((symbol) => symbol.name).sort()).toEqual(['getrandom', 'time', 'zz_last']);
  });

  it('a DT_VERDEFNUM past 0xffff is clamped: the versions still resolve', () => {
    const { bytes, setTag } = image();
    setTag(DT_VERDEFNUM, 1n << 33n);
    expect(parseVdso(bytes).lookup('getrandom', 'LINUX_2.6')?.version).toBe('LINUX_2.6');
  });

  it('the first occurrence of a tag wins, and tags outside 32 bits are ignored', () => {
    const { bytes, view, entry, setTag } = image();
    // A tag number past 2^32 placed where DT_SYMENT was: ignored, so no DT_SYMENT check.
    view.setBigInt64(entry(DT_SYMENT), 1n << 40n, true);
    expect(parseVdso(bytes).lookup('time')).toBeDefined();
    setTag(DT_STRSZ, 3n);
    expect(() => parseVdso(bytes).symbols()).toThrow(VdsoParseError);
  });

  it('vdsoImageLength needs only the headers: the segment may lie past the bytes given', () => {
    const { bytes } = image();
    expect(vdsoImageLength(bytes.subarray(0, 64 + 2 * 56))).toBe(bytes.length);
  });
});

describe('the byte reader', () => {
  const reader = new ByteReader(Uint8Array.from([1, 2, 3, 4, 0, 0x41, 0x42, 0]), true, 8);
  it.each([
    [-1, 1],
    [0.5, 1],
    [Number.MAX_SAFE_INTEGER + 1, 1],
    [0, -1],
    [7, 2],
    [8, 1],
  ])('refuses %d + %d bytes', (offset, size) => {
    expect(refusal(() => reader.check(offset, size, 'a field'))).toMatchObject({ code: 'ERR_VDSO_TRUNCATED', message: expect.stringMatching(/^a field/) });
  });

  it('accepts a read that ends exactly at the end', () => {
    expect(() => reader.check(7, 1, 'the last byte')).not.toThrow();
    expect(() => reader.check(8, 0, 'nothing at the end')).not.toThrow();
  });

  it('reads a C string up to its NUL, and refuses one without a NUL before the limit', () => {
    expect(reader.cString(5, 8, 'a name')).toBe('AB');
    expect(refusal(() => reader.cString(5, 7, 'a name'))).toEqual({ code: 'ERR_VDSO_BAD_STRING', offset: 5, message: 'a name is not NUL-terminated within its table (at offset 5)' });
    expect(reader.cString(4, 8, 'an empty name')).toBe('');
  });

  it('decodes names byte for byte (Latin-1 letters)', () => {
    const bytes = Uint8Array.from([0xe9, 0x74, 0xe9, 0]);
    expect(new ByteReader(bytes, true, 8).cString(0, 4, 'a name')).toBe('été');
  });
});

describe('what info and the symbol filters say', () => {
  it.each([
    [3, 'i386'],
    [20, 'powerpc'],
    [21, 'powerpc64'],
    [22, 's390'],
    [40, 'arm'],
    [62, 'x86_64'],
    [183, 'aarch64'],
    [243, 'riscv'],
    [258, 'loongarch'],
    [99, 'unknown (99)'],
  ])('e_machine %i is %s', (machine, name) => {
    // A 64-bit s390 image carries 8-byte DT_HASH entries (the parser's default for it).
    expect(parseVdso(buildSyntheticVdso({ machine, symbols, hashEntrySize: machine === 22 ? 8 : 4 }).bytes).info).toMatchObject({ machine, machineName: name });
  });

  // st_info = bind << 4 | type: every pair of the types and bindings the ELF gABI defines
  // (and two it reserves), patched into one symbol. Only FUNC/NOTYPE with GLOBAL/WEAK count.
  it.each([0, 1, 2, 3, 4, 5, 6, 10].flatMap((type) => [0, 1, 2, 10].map((bind) => [type, bind] as const)))('st_info type %i, bind %i', (type, bind) => {
    const { bytes, view, at } = image({ hash: 'gnu', versions: [] });
    const parsed = parseVdso(bytes);
    const target = parsed.lookup('time')!;
    view.setUint8(at(DT_SYMTAB) + target.index * 24 + 4, (bind << 4) | type);
    const exported = (type === 0 || type === 2) && (bind === 1 || bind === 2);
    const again = parseVdso(bytes);
    expect(again.lookup('time') !== undefined, 'lookup').toBe(exported);
    expect(again.symbols().some((symbol) => symbol.name === 'time'), 'symbols()').toBe(exported);
    if (exported) expect(again.lookup('time')).toMatchObject({ type: type === 2 ? 'func' : 'notype', bind: bind === 1 ? 'global' : 'weak' });
  });

  it('reports the size of each symbol as stored (st_size), in both classes', () => {
    for (const elfClass of [32, 64] as const) {
      const parsed = parseVdso(buildSyntheticVdso({ elfClass, symbols }).bytes);
      expect(parsed.symbols().map((symbol) => symbol.size)).toEqual([16n, 16n, 16n]);
    }
  });
});
