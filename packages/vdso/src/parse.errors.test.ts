// Every way an image can be refused, with the code, the offset and the message a user
// sees, and the corners that must not be refused (clamped sizes, ignored tags). Images are
// synthetic 64-bit little-endian ones (load vaddr 0x10000), patched one field at a time.
import { describe, expect, it } from 'vitest';
import { VdsoParseError } from './errors.js';
import { DT_GNU_HASH, DT_HASH, DT_STRSZ, DT_STRTAB, DT_SYMENT, DT_SYMTAB, DT_VERDEF, DT_VERDEFNUM, DT_VERSYM } from './layout.js';
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

/** Stretches the first program header (the PT_LOAD) over the whole of `grown`: bytes appended to an image. */
function loadCovers(grown: Uint8Array): void {
  const view = new DataView(grown.buffer, grown.byteOffset);
  view.setBigUint64(64 + 32, BigInt(grown.length), true);
  view.setBigUint64(64 + 40, BigInt(grown.length), true);
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
      message: `DT_STRTAB address 0x${(LOAD + BigInt(bytes.length)).toString(16)} lies in no PT_LOAD segment's file bytes (at offset 0)`,
    });
  });

  it('an address below the load address', () => {
    const { bytes, setTag } = image();
    setTag(DT_SYMTAB, LOAD - 1n);
    expect(refusal(() => parseVdso(bytes))).toMatchObject({ code: 'ERR_VDSO_BAD_ADDRESS', message: "DT_SYMTAB address 0xffff lies in no PT_LOAD segment's file bytes (at offset 0)" });
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

  it('a DT_VERDEFNUM past 2^32: the walk still ends at vd_next 0 and the versions resolve', () => {
    const { bytes, setTag } = image();
    setTag(DT_VERDEFNUM, 1n << 33n);
    expect(parseVdso(bytes).lookup('getrandom', 'LINUX_2.6')?.version).toBe('LINUX_2.6');
  });

  it('without DT_STRSZ the string table runs to the end of the image', () => {
    const { bytes, renameTag } = image();
    renameTag(DT_STRSZ, 0x7fff0004);
    expect(parseVdso(bytes).symbols().map((symbol) => [symbol.name, symbol.version])).toEqual(parseVdso(image().bytes).symbols().map((symbol) => [symbol.name, symbol.version]));
  });

  it('a 32-bit s390 image keeps 4-byte DT_HASH entries (only 64-bit s390 uses 8)', () => {
    const { bytes } = buildSyntheticVdso({ elfClass: 32, machine: 22, hash: 'sysv', symbols });
    expect(parseVdso(bytes).lookup('time')).toBeDefined();
  });

  it('without DT_VERDEFNUM, a Verdef chain that never ends stops quietly after image length / 20 entries', () => {
    const { bytes, renameTag, setTag } = image({ versions: ['LINUX_2.6'] });
    renameTag(DT_VERDEFNUM, 0x7fff0003);
    // 200 words of 4 appended: read as Verdefs 4 bytes apart, each says vd_next 4 (and vd_cnt 0).
    const grown = new Uint8Array(bytes.length + 800);
    setTag(DT_VERDEF, LOAD + BigInt(bytes.length));
    grown.set(bytes);
    loadCovers(grown);
    const view = new DataView(grown.buffer);
    for (let word = 0; word < 200; word += 1) view.setUint32(bytes.length + word * 4, 4, true);
    // (bytes.length + 800) / 20 entries end before the run does; walking on would fall off the image.
    expect(parseVdso(grown).symbols().map((symbol) => symbol.version)).toEqual([undefined, undefined, undefined]);
  });

  it('a tag given twice: the first occurrence counts', () => {
    const { bytes, view, entry } = image({ versions: [] });
    // DT_SYMENT's entry (after DT_STRSZ's) becomes a second DT_STRSZ of 3 bytes: too short for any name.
    const second = entry(DT_SYMENT);
    view.setBigInt64(second, BigInt(DT_STRSZ), true);
    view.setBigUint64(second + 8, 3n, true);
    expect(parseVdso(bytes).symbols().map((symbol) => symbol.name).sort()).toEqual(['getrandom', 'time', 'zz_last']);
  });

  it('the first occurrence of a tag wins, and a tag number nothing looks up is ignored', () => {
    const { bytes, view, entry, setTag } = image();
    // A tag number past 2^32 placed where DT_SYMENT was: nobody asks for it, so no DT_SYMENT check.
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
    // check_match()'s ALLOWED_STT, and do_lookup_x()'s bindings.
    const linked = [0, 1, 2, 5, 6, 10].includes(type) && [1, 2, 10].includes(bind);
    const again = parseVdso(bytes);
    expect(again.lookup('time') !== undefined, 'lookup').toBe(exported);
    expect(again.lookup('time', undefined, { rule: 'linker' }) !== undefined, 'lookup under the linker rule').toBe(linked);
    const listed = again.symbols().find((symbol) => symbol.name === 'time');
    expect(listed, 'symbols() lists every defined symbol').toMatchObject({
      type: ['notype', 'object', 'func', 'section', 'file', 'common', 'tls', 'type 7', 'type 8', 'type 9', 'ifunc'][type],
      bind: bind === 10 ? 'unique' : ['local', 'global', 'weak'][bind],
      visibility: 'default',
    });
    // A TLS value is an offset in the thread's block, not an address: no image offset.
    expect(listed!.offset === undefined, 'offset').toBe(type === 6);
  });

  it('reports the size of each symbol as stored (st_size), in both classes', () => {
    for (const elfClass of [32, 64] as const) {
      const parsed = parseVdso(buildSyntheticVdso({ elfClass, symbols }).bytes);
      expect(parsed.symbols().map((symbol) => symbol.size)).toEqual([16n, 16n, 16n]);
    }
  });
});

// ---- found untested by the mutation run (npm run mutate) --------------------------------

/** The image with its program headers replaced by `headers`, appended at its end (plus 16 zero bytes). */
function withProgramHeaders(bytes: Uint8Array, headers: ReadonlyArray<{ type: number; offset: number; vaddr: bigint; filesz: number }>) {
  const grown = new Uint8Array(bytes.length + headers.length * 56 + 16);
  grown.set(bytes);
  const view = new DataView(grown.buffer);
  view.setBigUint64(32, BigInt(bytes.length), true);
  view.setUint16(56, headers.length, true);
  headers.forEach((header, index) => {
    const at = bytes.length + index * 56;
    view.setUint32(at, header.type, true);
    view.setBigUint64(at + 8, BigInt(header.offset), true);
    view.setBigUint64(at + 16, header.vaddr, true);
    view.setBigUint64(at + 32, BigInt(header.filesz), true);
  });
  return grown;
}

describe('messages name the structure that a cut or a bad value is in', () => {
  it('an image shorter than e_ident, a wrong magic, class or byte order', () => {
    expect(refusal(() => parseVdso(new Uint8Array(10)))).toEqual({ code: 'ERR_VDSO_TRUNCATED', offset: 0, message: 'e_ident needs 16 bytes at offset 0 but the image is 10 bytes (at offset 0)' });
    const cases: Array<[number, number, object]> = [
      [0, 0x7e, { code: 'ERR_VDSO_BAD_MAGIC', offset: 0, message: 'not an ELF image: the first bytes are not 0x7f "ELF" (at offset 0)' }],
      [4, 3, { code: 'ERR_VDSO_BAD_CLASS', offset: 4, message: 'EI_CLASS is 3; expected 1 (32-bit) or 2 (64-bit) (at offset 4)' }],
      [5, 0, { code: 'ERR_VDSO_BAD_ENCODING', offset: 5, message: 'EI_DATA is 0; expected 1 (LE) or 2 (BE) (at offset 5)' }],
    ];
    for (const [at, value, expected] of cases) {
      const { bytes } = image();
      bytes[at] = value;
      expect(refusal(() => parseVdso(bytes))).toEqual(expected);
    }
  });

  it('a cut inside the ELF header, of either class', () => {
    for (const [elfClass, size] of [[64, 64], [32, 52]] as const) {
      const { bytes } = buildSyntheticVdso({ elfClass, symbols });
      expect(refusal(() => parseVdso(bytes.subarray(0, 40)))).toEqual({ code: 'ERR_VDSO_TRUNCATED', offset: 0, message: `ELF header needs ${size} bytes at offset 0 but the image is 40 bytes (at offset 0)` });
    }
  });

  it('more program headers than the image holds', () => {
    const { bytes, view } = image();
    view.setUint16(56, 1000, true);
    expect(refusal(() => parseVdso(bytes))).toEqual({ code: 'ERR_VDSO_TRUNCATED', offset: 64, message: `program headers needs 56000 bytes at offset 64 but the image is ${bytes.length} bytes (at offset 64)` });
  });

  it('no PT_DYNAMIC, and no PT_LOAD for vdsoImageLength', () => {
    const { bytes, view, phdr } = image();
    view.setUint32(phdr(1), 4, true); // PT_NOTE
    expect(refusal(() => parseVdso(bytes))).toEqual({ code: 'ERR_VDSO_NO_DYNAMIC', offset: 0, message: 'the image has no PT_DYNAMIC segment (at offset 0)' });
    view.setUint32(phdr(0), 4, true);
    expect(refusal(() => vdsoImageLength(bytes))).toEqual({ code: 'ERR_VDSO_NO_LOAD', offset: 0, message: 'the image has no PT_LOAD segment (at offset 0)' });
  });

  it.each([
    ['DT_GNU_HASH', DT_GNU_HASH],
    ['DT_HASH', DT_HASH],
    ['DT_VERSYM', DT_VERSYM],
    ['DT_VERDEF', DT_VERDEF],
  ])('a %s address outside the image', (name, tag) => {
    const { bytes, setTag } = image();
    setTag(tag, LOAD + BigInt(bytes.length));
    expect(refusal(() => parseVdso(bytes))).toEqual({ code: 'ERR_VDSO_BAD_ADDRESS', offset: 0, message: `${name} address 0x${(LOAD + BigInt(bytes.length)).toString(16)} lies in no PT_LOAD segment's file bytes (at offset 0)` });
  });

  it.each([
    ['GNU hash nbuckets', 1, 0],
    ['GNU hash symoffset', 5, 4],
    ['GNU hash bloom size', 9, 8],
    ['GNU hash bloom shift', 13, 12],
  ])('a GNU hash header cut inside %s', (name, fromEnd, field) => {
    const { bytes, setTag } = image({ hash: 'gnu' });
    const table = bytes.length - fromEnd;
    setTag(DT_GNU_HASH, LOAD + BigInt(table));
    expect(refusal(() => parseVdso(bytes))).toEqual({ code: 'ERR_VDSO_TRUNCATED', offset: table + field, message: `${name} needs 4 bytes at offset ${table + field} but the image is ${bytes.length} bytes (at offset ${table + field})` });
  });

  it.each([
    ['DT_HASH nbucket', 1, 0],
    ['DT_HASH nchain', 5, 4],
  ])('a DT_HASH header cut inside %s', (name, fromEnd, field) => {
    const { bytes, setTag } = image({ hash: 'sysv' });
    const table = bytes.length - fromEnd;
    setTag(DT_HASH, LOAD + BigInt(table));
    expect(refusal(() => parseVdso(bytes))).toMatchObject({ code: 'ERR_VDSO_TRUNCATED', message: `${name} needs 4 bytes at offset ${table + field} but the image is ${bytes.length} bytes (at offset ${table + field})` });
  });

  it('GNU hash chains that run out of the image', () => {
    const { bytes, view, at } = image({ hash: 'gnu', bucketCount: 1 });
    const table = at(DT_GNU_HASH);
    view.setUint32(table + 16 + 2 * 8, 1_000_000, true); // the one bucket
    expect(refusal(() => parseVdso(bytes))).toMatchObject({ code: 'ERR_VDSO_TRUNCATED', message: expect.stringMatching(/^GNU hash chain needs 4 bytes at offset \d+ but the image is/) });
  });

  it('8-byte DT_HASH buckets and chains larger than the image', () => {
    const options = { hash: 'sysv', hashEntrySize: 8, machine: 22, bucketCount: 1 } as const;
    const bucket = image(options);
    const table = bucket.at(DT_HASH);
    bucket.view.setBigUint64(table + 16, BigInt(bucket.bytes.length) + 1n, true);
    expect(refusal(() => parseVdso(bucket.bytes).lookup('getrandom'))).toEqual({
      code: 'ERR_VDSO_BAD_HASH',
      offset: table + 16,
      message: `DT_HASH bucket is ${bucket.bytes.length + 1}, larger than the image (at offset ${table + 16})`,
    });
    const chain = image(options);
    const chains = chain.at(DT_HASH) + 16 + 8;
    for (let index = 1; index <= symbols.length; index += 1) chain.view.setBigUint64(chains + index * 8, BigInt(chain.bytes.length) + 1n, true);
    expect(refusal(() => parseVdso(chain.bytes).lookup('absent'))).toMatchObject({ code: 'ERR_VDSO_BAD_HASH', message: expect.stringMatching(/^DT_HASH chain is \d+, larger than the image/) });
  });

  it('a DT_HASH chain that points at index nchain (one past the table)', () => {
    const count = symbols.length + 1;
    const { bytes, at } = image({ hash: 'sysv', bucketCount: 1, sysvChainOverrides: [[1, count]] });
    const chains = at(DT_HASH) + 8 + 4;
    expect(refusal(() => parseVdso(bytes).lookup('absent'))).toEqual({
      code: 'ERR_VDSO_BAD_HASH',
      offset: chains,
      message: `DT_HASH chain is cyclic or leaves the table (symbol ${count} of ${count}) (at offset ${chains})`,
    });
  });

  it('a symbol table, a versym table and a symbol address that leave the image', () => {
    const cut = image();
    const symtab = cut.bytes.length - 30;
    cut.setTag(DT_SYMTAB, LOAD + BigInt(symtab));
    expect(refusal(() => parseVdso(cut.bytes).symbols())).toMatchObject({ code: 'ERR_VDSO_TRUNCATED', message: `symbol 1 needs 24 bytes at offset ${symtab + 24} but the image is ${cut.bytes.length} bytes (at offset ${symtab + 24})` });

    const versym = image();
    versym.setTag(DT_VERSYM, LOAD + BigInt(versym.bytes.length - 1));
    expect(refusal(() => parseVdso(versym.bytes).symbols())).toMatchObject({ code: 'ERR_VDSO_TRUNCATED', message: expect.stringMatching(/^versym of symbol 1 needs 2 bytes/) });

    // A symbol's value past the image is a value (as `_end` in .bss is in any library): no offset.
    const address = image();
    const time = parseVdso(address.bytes).lookup('time')!;
    const entry = address.at(DT_SYMTAB) + time.index * 24;
    const past = LOAD + BigInt(address.bytes.length);
    address.view.setBigUint64(entry + 8, past, true);
    for (const rule of ['vdso', 'linker'] as const) expect(parseVdso(address.bytes).lookup('time', undefined, { rule })).toMatchObject({ name: 'time', value: past, offset: undefined });
    expect(parseVdso(address.bytes).symbols().find((symbol) => symbol.name === 'time')).toMatchObject({ value: past, offset: undefined });
  });

  it.each([
    ['vd_flags', 3, 2, 2],
    ['vd_ndx', 5, 4, 2],
    ['vd_cnt', 7, 6, 2],
    ['vd_aux', 15, 12, 4],
    ['vd_next', 19, 16, 4],
  ])('a Verdef cut inside %s', (name, fromEnd, field, size) => {
    const { bytes, setTag } = image();
    const verdef = bytes.length - fromEnd;
    setTag(DT_VERDEF, LOAD + BigInt(verdef));
    expect(refusal(() => parseVdso(bytes).lookup('getrandom'))).toEqual({
      code: 'ERR_VDSO_TRUNCATED',
      offset: verdef + field,
      message: `${name} needs ${size} bytes at offset ${verdef + field} but the image is ${bytes.length} bytes (at offset ${verdef + field})`,
    });
  });

  it('a Verdaux that lies outside the image', () => {
    const { bytes, view, at } = image();
    const second = at(DT_VERDEF) + 28; // the LINUX_2.6 Verdef, after the base one and its Verdaux
    view.setUint32(second + 12, 0x10000, true);
    expect(refusal(() => parseVdso(bytes).lookup('getrandom'))).toMatchObject({ code: 'ERR_VDSO_TRUNCATED', message: expect.stringMatching(/^Verdaux needs 8 bytes at offset \d+ but/) });
  });
});

describe('hash tables that end exactly at the end of the image', () => {
  /** An unversioned image with `table` appended at its end and `tag` pointing at it. */
  function appended(hash: 'gnu' | 'sysv', tag: number, table: number[]) {
    const { bytes, setTag } = image({ hash, versions: [] });
    const grown = new Uint8Array(bytes.length + table.length * 4);
    const view = new DataView(grown.buffer);
    setTag(tag, LOAD + BigInt(bytes.length));
    grown.set(bytes);
    loadCovers(grown);
    table.forEach((word, index) => view.setUint32(bytes.length + index * 4, word, true));
    return { grown, at: bytes.length };
  }

  it('a GNU table that fits exactly is read; one bucket more is refused with its exact size', () => {
    // nbuckets 1, symoffset 1, 2 bloom words (64-bit: 4 words of 4 bytes), one empty bucket: 36 bytes.
    const fits = appended('gnu', DT_GNU_HASH, [1, 1, 2, 6, 0, 0, 0, 0, 0]);
    expect(parseVdso(fits.grown).info.symbolCount).toBe(1);
    const over = appended('gnu', DT_GNU_HASH, [2, 1, 2, 6, 0, 0, 0, 0, 0]);
    expect(refusal(() => parseVdso(over.grown))).toEqual({
      code: 'ERR_VDSO_TRUNCATED',
      offset: over.at + 16,
      message: `GNU hash bloom filter and buckets needs 24 bytes at offset ${over.at + 16} but the image is ${over.grown.length} bytes (at offset ${over.at + 16})`,
    });
  });

  it('a DT_HASH table that fits exactly is read; one chain more is refused with its exact size', () => {
    // nbucket 1, nchain 1, one bucket, one chain: 16 bytes.
    const fits = appended('sysv', DT_HASH, [1, 1, 0, 0]);
    expect(parseVdso(fits.grown).info.symbolCount).toBe(1);
    const over = appended('sysv', DT_HASH, [1, 2, 0, 0]);
    expect(refusal(() => parseVdso(over.grown))).toEqual({
      code: 'ERR_VDSO_TRUNCATED',
      offset: over.at + 8,
      message: `DT_HASH buckets and chains needs 12 bytes at offset ${over.at + 8} but the image is ${over.grown.length} bytes (at offset ${over.at + 8})`,
    });
  });

  it('an 8-byte nbucket equal to the image length passes its own check and fails the table\'s', () => {
    const { bytes, view, at } = image({ hash: 'sysv', hashEntrySize: 8, machine: 22 });
    const table = at(DT_HASH);
    view.setBigUint64(table, BigInt(bytes.length), true);
    expect(refusal(() => parseVdso(bytes))).toMatchObject({ code: 'ERR_VDSO_TRUNCATED', message: expect.stringMatching(/^DT_HASH buckets and chains needs/) });
  });
});

describe('which program headers and dynamic entries count', () => {
  it('the first PT_LOAD and the first PT_DYNAMIC win', () => {
    const { bytes, view, phdr } = image();
    const load = { type: 1, offset: 0, vaddr: LOAD, filesz: bytes.length };
    const dynamic = { type: 2, offset: Number(view.getBigUint64(phdr(1) + 8, true)), vaddr: 0n, filesz: Number(view.getBigUint64(phdr(1) + 32, true)) };
    const expected = parseVdso(bytes).symbols();
    // A later PT_LOAD with another bias, and a later PT_DYNAMIC over 16 zero bytes (an empty section).
    const later = withProgramHeaders(bytes, [load, dynamic, { type: 1, offset: 0, vaddr: 0x50_0000n, filesz: 16 }, { type: 2, offset: bytes.length + 4 * 56, vaddr: 0n, filesz: 16 }]);
    expect(parseVdso(later).symbols()).toEqual(expected);
  });

  it('a PT_LOAD at a non-zero file offset maps addresses through both p_vaddr and p_offset', () => {
    const { bytes, view, phdr } = image();
    const dynamic = { type: 2, offset: Number(view.getBigUint64(phdr(1) + 8, true)), vaddr: 0n, filesz: Number(view.getBigUint64(phdr(1) + 32, true)) };
    const shifted = withProgramHeaders(bytes, [{ type: 1, offset: 0x40, vaddr: LOAD + 0x40n, filesz: bytes.length - 0x40 }, dynamic]);
    expect(parseVdso(shifted).symbols()).toEqual(parseVdso(bytes).symbols());
  });

  it('a symbol at the load address is at offset 0', () => {
    const { bytes, view, at } = image();
    const time = parseVdso(bytes).lookup('time')!;
    view.setBigUint64(at(DT_SYMTAB) + time.index * 24 + 8, LOAD, true);
    expect(parseVdso(bytes).lookup('time')).toMatchObject({ value: LOAD, offset: 0 });
  });

  it('with no program headers, e_phentsize is not checked and e_phoff may sit at the end', () => {
    const { bytes, view } = image();
    view.setUint16(56, 0, true);
    view.setUint16(54, 7, true);
    view.setBigUint64(32, BigInt(bytes.length), true);
    expect(refusal(() => parseVdso(bytes))).toMatchObject({ code: 'ERR_VDSO_NO_LOAD' });
    view.setUint16(54, 56, true);
    view.setUint16(56, 1, true);
    expect(refusal(() => parseVdso(bytes))).toMatchObject({ code: 'ERR_VDSO_TRUNCATED', message: expect.stringMatching(/^program headers needs 56 bytes/) });
  });

  it('a segment of another type may extend past the image', () => {
    const { bytes, view, phdr } = image();
    const load = { type: 1, offset: 0, vaddr: LOAD, filesz: bytes.length };
    const dynamic = { type: 2, offset: Number(view.getBigUint64(phdr(1) + 8, true)), vaddr: 0n, filesz: Number(view.getBigUint64(phdr(1) + 32, true)) };
    const noted = withProgramHeaders(bytes, [load, { type: 4, offset: 0, vaddr: LOAD, filesz: 10 * bytes.length }, dynamic]);
    expect(parseVdso(noted).symbols()).toEqual(parseVdso(bytes).symbols());
  });

  describe('the dynamic section is read up to p_filesz or DT_NULL, whichever comes first', () => {
    /** An unversioned GNU-hash image whose dynamic section is rewritten as `tags` (values from the original) and `filesz` long. */
    function rewritten(tags: number[], filesz: number) {
      const built = image({ hash: 'gnu', versions: [] });
      const { view, phdr, entry } = built;
      const start = Number(view.getBigUint64(phdr(1) + 8, true));
      const values = tags.map((tag) => (tag === 0 ? 0n : view.getBigUint64(entry(tag) + 8, true)));
      tags.forEach((tag, index) => {
        view.setBigInt64(start + index * 16, BigInt(tag), true);
        view.setBigUint64(start + index * 16 + 8, values[index]!, true);
      });
      view.setBigUint64(phdr(1) + 32, BigInt(filesz), true);
      return built.bytes;
    }

    it('without DT_NULL, the entry that ends exactly at p_filesz counts', () => {
      expect(parseVdso(rewritten([DT_STRTAB, DT_SYMTAB, DT_GNU_HASH], 48)).lookup('time')).toBeDefined();
    });

    it('an entry past p_filesz does not count', () => {
      expect(refusal(() => parseVdso(rewritten([DT_STRTAB, DT_SYMTAB, DT_GNU_HASH], 32)))).toMatchObject({ code: 'ERR_VDSO_NO_HASH' });
    });

    it('an entry after DT_NULL does not count', () => {
      expect(refusal(() => parseVdso(rewritten([DT_STRTAB, DT_SYMTAB, 0, DT_GNU_HASH], 64)))).toMatchObject({ code: 'ERR_VDSO_NO_HASH' });
    });
  });
});

describe('versions and symbol counts', () => {
  const twoVersions = [{ name: 'getrandom', version: 'LINUX_6.11' }, { name: 'time', version: 'LINUX_2.6' }, { name: 'zz_last' }];
  const versionsOf = (bytes: Uint8Array) => Object.fromEntries(parseVdso(bytes).symbols().map((symbol) => [symbol.name, symbol.version]));

  it('each symbol gets the name of its own Verdef', () => {
    const { bytes } = image({ symbols: twoVersions, versions: ['LINUX_2.6', 'LINUX_6.11'] });
    expect(versionsOf(bytes)).toEqual({ getrandom: 'LINUX_6.11', time: 'LINUX_2.6', zz_last: undefined });
  });

  it('without DT_VERDEFNUM the Verdef chain is walked to its end', () => {
    const { bytes, renameTag } = image({ symbols: twoVersions, versions: ['LINUX_2.6', 'LINUX_6.11'] });
    renameTag(DT_VERDEFNUM, 0x7fff0003);
    expect(versionsOf(bytes)).toEqual({ getrandom: 'LINUX_6.11', time: 'LINUX_2.6', zz_last: undefined });
  });

  it('DT_VERDEFNUM bounds the walk: a Verdef past it defines nothing', () => {
    const { bytes, setTag } = image({ symbols: twoVersions, versions: ['LINUX_2.6', 'LINUX_6.11'] });
    setTag(DT_VERDEFNUM, 2n);
    expect(versionsOf(bytes)).toEqual({ getrandom: undefined, time: 'LINUX_2.6', zz_last: undefined });
  });

  it('a Verdef with no Verdaux (vd_cnt 0) names no version', () => {
    const { bytes, view, at } = image({ symbols: twoVersions, versions: ['LINUX_2.6', 'LINUX_6.11'] });
    view.setUint16(at(DT_VERDEF) + 28 + 6, 0, true);
    expect(versionsOf(bytes)).toEqual({ getrandom: 'LINUX_6.11', time: undefined, zz_last: undefined });
  });

  it('two Verdefs with one index: the first names it (as the kernel selftest parse_vdso.c vdso_match_version(), which stops at the first match)', () => {
    const { bytes, view, at } = image({ symbols: twoVersions, versions: ['LINUX_2.6', 'LINUX_6.11'] });
    view.setUint16(at(DT_VERDEF) + 56 + 4, 2, true); // LINUX_6.11's Verdef now says index 2 too
    expect(versionsOf(bytes)).toEqual({ getrandom: undefined, time: 'LINUX_2.6', zz_last: undefined });
  });

  it('info says which table lookups use and whether the image is versioned', () => {
    expect(parseVdso(image({ hash: 'both' }).bytes).info).toMatchObject({ hashTable: 'gnu', versioned: true });
    expect(parseVdso(image({ hash: 'sysv', versions: [] }).bytes).info).toMatchObject({ hashTable: 'sysv', versioned: false });
  });

  it('a symbol past the count (nchain one short) is neither listed nor found through the GNU chain', () => {
    const { bytes, view, at } = image({ hash: 'both', bucketCount: 1 });
    const last = parseVdso(bytes).symbols().at(-1)!;
    view.setUint32(at(DT_HASH) + 4, symbols.length, true); // nchain: one short
    const parsed = parseVdso(bytes);
    expect(parsed.info.symbolCount).toBe(symbols.length);
    expect(parsed.symbols().map((symbol) => symbol.name)).not.toContain(last.name);
    expect(parsed.lookup(last.name)).toBeUndefined();
  });

  it('a hidden definition ahead of the default one in a GNU chain does not stop the lookup', () => {
    const { bytes } = image({
      hash: 'gnu',
      bucketCount: 1,
      versions: ['LINUX_2.6', 'LINUX_6.11'],
      symbols: [{ name: 'getrandom', version: 'LINUX_2.6', hidden: true }, { name: 'getrandom', version: 'LINUX_6.11' }],
    });
    expect(parseVdso(bytes).lookup('getrandom')).toMatchObject({ version: 'LINUX_6.11', hidden: false });
  });
});

describe('the byte reader at its limits', () => {
  it('an offset that is not a safe integer is reported at offset -1', () => {
    const reader = new ByteReader(new Uint8Array(8), true, 8);
    expect(refusal(() => reader.check(2 ** 53, 1, 'a field')).offset).toBe(-1);
  });

  it('a string with no NUL before the end of the image is refused, not read past', () => {
    const reader = new ByteReader(Uint8Array.from([0x41, 0x42]), true, 8);
    expect(refusal(() => reader.cString(0, 2, 'a name'))).toEqual({ code: 'ERR_VDSO_BAD_STRING', offset: 0, message: 'a name is not NUL-terminated within its table (at offset 0)' });
  });
});
