import { describe, expect, it } from 'vitest';
import { VdsoParseError } from './errors.js';
import { elfHash, gnuHash } from './hash.js';
import { parseVdso, vdsoImageLength } from './parse.js';
import { type SyntheticSymbol, type SyntheticVdsoOptions, buildSyntheticVdso } from './testing.js';

const vdsoSymbols: SyntheticSymbol[] = [
  { name: '__vdso_getrandom', version: 'LINUX_2.6' },
  { name: '__vdso_clock_gettime', version: 'LINUX_2.6' },
  { name: '__vdso_gettimeofday', version: 'LINUX_2.6' },
  { name: '__vdso_time', version: 'LINUX_2.6' },
  { name: 'getrandom', version: 'LINUX_2.6', bind: 'weak' },
  { name: 'clock_gettime', version: 'LINUX_2.6', bind: 'weak' },
  { name: '__vdso_getcpu', version: 'LINUX_2.6', type: 'notype' },
  { name: 'LINUX_2.6', type: 'object' },
  { name: '__vdso_local', bind: 'local' },
  { name: 'memcpy', defined: false },
];
const mustFind = ['__vdso_getrandom', '__vdso_clock_gettime', '__vdso_gettimeofday', '__vdso_time', 'getrandom', 'clock_gettime', '__vdso_getcpu'];
const mustMiss = ['LINUX_2.6', '__vdso_local', 'memcpy', '__vdso_nothing', '', 'getrandom2'];

function resolvesExactly(options: SyntheticVdsoOptions) {
  const { bytes, values } = buildSyntheticVdso(options);
  const image = parseVdso(bytes);
  for (const name of mustFind) {
    const symbol = image.lookup(name);
    expect(symbol, name).toBeDefined();
    expect(symbol!.name).toBe(name);
    expect(symbol!.value).toBe(values.get(name));
    expect(symbol!.offset).toBe(Number(values.get(name)! - (options.loadVaddr ?? 0x10000n)));
  }
  for (const name of mustMiss) expect(image.lookup(name), name).toBeUndefined();
  // The linker's rule also takes the object; neither rule takes a local or an undefined symbol.
  for (const name of [...mustFind, 'LINUX_2.6']) expect(image.lookup(name, undefined, { rule: 'linker' })?.name, name).toBe(name);
  for (const name of ['__vdso_local', 'memcpy', '__vdso_nothing']) expect(image.lookup(name, undefined, { rule: 'linker' }), name).toBeUndefined();
  // symbols() lists every defined symbol, whatever its type and binding.
  expect(image.symbols().map((symbol) => symbol.name).sort()).toEqual([...mustFind, 'LINUX_2.6', '__vdso_local'].sort());
  return image;
}

describe('hash functions', () => {
  it.each([
    ['', 0, 5381],
    ['printf', 0x077905a6, 0x156b2bb8],
    ['__vdso_getrandom', elfHash('__vdso_getrandom'), gnuHash('__vdso_getrandom')],
  ])('hash %j', (name, sysv, gnu) => {
    expect(elfHash(name)).toBe(sysv);
    expect(gnuHash(name)).toBe(gnu);
  });
});

describe('fixture matrix: every class, byte order and hash table resolves exactly the exported set', () => {
  const matrix: Array<[string, SyntheticVdsoOptions]> = [];
  for (const elfClass of [32, 64] as const) {
    for (const littleEndian of [true, false]) {
      for (const hash of ['gnu', 'sysv', 'both'] as const) {
        matrix.push([`${elfClass}-bit ${littleEndian ? 'LE' : 'BE'} ${hash}`, { elfClass, littleEndian, hash, symbols: vdsoSymbols }]);
      }
    }
  }
  matrix.push(
    ['64-bit BE s390x-style 64-bit DT_HASH entries', { elfClass: 64, littleEndian: false, hash: 'sysv', hashEntrySize: 8, symbols: vdsoSymbols }],
    ['no versioning at all', { versions: [], symbols: vdsoSymbols.map(({ version: _, ...rest }) => rest) }],
    ['DT_VERSYM without DT_VERDEF', { omitVerdef: true, symbols: vdsoSymbols }],
    ['every symbol in one GNU bucket', { hash: 'gnu', bucketCount: 1, symbols: vdsoSymbols }],
    ['every symbol in one SysV bucket', { hash: 'sysv', bucketCount: 1, symbols: vdsoSymbols }],
    ['many buckets, most empty', { bucketCount: 61, symbols: vdsoSymbols }],
    ['load address zero', { loadVaddr: 0n, symbols: vdsoSymbols }],
    ['high load address (old x86_64 vDSO)', { loadVaddr: 0xffffffffff700000n, symbols: vdsoSymbols }],
  );

  it.each(matrix)('%s', (_label, options) => {
    resolvesExactly(options);
  });

  it('reports the s390x image as 64-bit big-endian s390', () => {
    const image = resolvesExactly({ elfClass: 64, littleEndian: false, hash: 'sysv', hashEntrySize: 8, symbols: vdsoSymbols });
    expect(image.info).toMatchObject({ elfClass: 64, littleEndian: false, machineName: 's390', hashTable: 'sysv' });
  });
});

describe('symbol versions', () => {
  const options: SyntheticVdsoOptions = {
    versions: ['LINUX_2.6', 'LINUX_4.15'],
    symbols: [
      { name: '__vdso_getrandom', version: 'LINUX_4.15' },
      { name: '__vdso_time', version: 'LINUX_2.6', hidden: true },
      { name: '__vdso_unversioned' },
    ],
  };

  it('matches the requested version and rejects another', () => {
    const image = parseVdso(buildSyntheticVdso(options).bytes);
    expect(image.lookup('__vdso_getrandom', 'LINUX_4.15')?.version).toBe('LINUX_4.15');
    expect(image.lookup('__vdso_getrandom', 'LINUX_2.6')).toBeUndefined();
    expect(image.lookup('__vdso_getrandom')?.version).toBe('LINUX_4.15');
  });

  it('reports hidden versions and accepts unversioned symbols for any version', () => {
    const image = parseVdso(buildSyntheticVdso(options).bytes);
    expect(image.lookup('__vdso_time', 'LINUX_2.6')).toMatchObject({ hidden: true, version: 'LINUX_2.6' });
    expect(image.lookup('__vdso_unversioned', 'LINUX_2.6')).toMatchObject({ version: undefined });
  });

  it('ignores versions entirely when DT_VERDEF is missing', () => {
    const image = parseVdso(buildSyntheticVdso({ ...options, omitVerdef: true }).bytes);
    expect(image.info.versioned).toBe(false);
    expect(image.lookup('__vdso_getrandom', 'LINUX_2.6')).toBeDefined();
  });
});

describe('errors', () => {
  const good = buildSyntheticVdso({ symbols: vdsoSymbols }).bytes;

  function parseError(bytes: Uint8Array): VdsoParseError {
    try {
      parseVdso(bytes).symbols();
    } catch (error) {
      expect(error).toBeInstanceOf(VdsoParseError);
      return error as VdsoParseError;
    }
    throw new Error('expected a VdsoParseError');
  }

  it.each([
    ['an empty buffer', new Uint8Array(0), 'ERR_VDSO_TRUNCATED'],
    ['a PE header', Uint8Array.from([0x4d, 0x5a, ...new Array(62).fill(0)]), 'ERR_VDSO_BAD_MAGIC'],
    ['class 3', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 3, 1, ...new Array(58).fill(0)]), 'ERR_VDSO_BAD_CLASS'],
    ['byte order 0', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 0, ...new Array(58).fill(0)]), 'ERR_VDSO_BAD_ENCODING'],
    ['only the ELF header', good.slice(0, 64), 'ERR_VDSO_TRUNCATED'],
  ])('%s → %s', (_label, bytes, code) => {
    expect(parseError(bytes).code).toBe(code);
  });

  it('an image without PT_DYNAMIC → ERR_VDSO_NO_DYNAMIC', () => {
    const bytes = good.slice();
    new DataView(bytes.buffer).setUint32(64 + 56, 0x6474e551, true); // second phdr becomes PT_GNU_STACK
    expect(parseError(bytes).code).toBe('ERR_VDSO_NO_DYNAMIC');
  });

  it('a cyclic DT_HASH chain ends with ERR_VDSO_BAD_HASH, not a hang', () => {
    const { bytes } = buildSyntheticVdso({ hash: 'sysv', bucketCount: 1, symbols: vdsoSymbols });
    const image = parseVdso(bytes);
    // Point every chain entry back at symbol 1, then look up a name that is absent.
    const view = new DataView(bytes.buffer);
    const symbolCount = image.info.symbolCount;
    const hashOffset = findDynamic(bytes, 4);
    for (let index = 0; index < symbolCount; index += 1) view.setUint32(hashOffset + 12 + index * 4, 1, true);
    expect(() => parseVdso(bytes).lookup('absent')).toThrow(expect.objectContaining({ code: 'ERR_VDSO_BAD_HASH' }));
  });

  it('the error says where it went wrong', () => {
    const error = parseError(good.slice(0, 100));
    expect(error.offset).toBeGreaterThanOrEqual(0);
    expect(error.message).toMatch(/at offset \d+/);
  });

  it('vdsoImageLength covers the PT_LOAD segment', () => {
    expect(vdsoImageLength(good)).toBe(good.length);
  });
});

/** Image offset of a dynamic table (64-bit LE synthetic image, load vaddr 0x10000). */
function findDynamic(bytes: Uint8Array, tag: number): number {
  const view = new DataView(bytes.buffer);
  const dynamic = Number(view.getBigUint64(64 + 56 + 8, true));
  for (let entry = dynamic; ; entry += 16) {
    const found = Number(view.getBigInt64(entry, true));
    if (found === tag) return Number(view.getBigUint64(entry + 8, true) - 0x10000n);
    if (found === 0) throw new Error(`no tag ${tag}`);
  }
}

describe('hash functions against values computed from their definitions', () => {
  // SysV: h = (h << 4) + c, folding the top nibble (the ELF gABI); GNU: h = h * 33 + c from
  // 5381. The values are the ones published with those definitions (flapenguin.me's table).
  it.each([
    ['', 0x00000000, 0x00001505],
    ['printf', 0x077905a6, 0x156b2bb8],
    ['exit', 0x0006cf04, 0x7c967e3f],
    ['syscall', 0x0b09985c, 0xbac212a0],
  ])('%j: SysV %i, GNU %i', (name, sysv, gnu) => {
    expect(elfHash(name)).toBe(sysv);
    expect(gnuHash(name)).toBe(gnu);
  });
});
