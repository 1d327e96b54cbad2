// The corners of the two lookup rules and of the options that choose them, found untested by
// the mutation run: values of 0, reserved sections, two default versions of one name, types
// and bindings readelf has no name for, refused options, and error messages of the walks.
import { describe, expect, it } from 'vitest';
import { VdsoOptionError } from './errors.js';
import { DT_SYMTAB } from './layout.js';
import { VdsoImage, parseElf, parseVdso } from './parse.js';
import { buildSyntheticVdso } from './testing.js';

const base = () => buildSyntheticVdso({ symbols: [{ name: 'time', version: 'LINUX_2.6' }] }).bytes;
const refused = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(VdsoOptionError);
    const { name, code, option, message } = error as VdsoOptionError;
    return { name, code, option, message };
  }
  throw new Error('expected a VdsoOptionError');
};

describe('options', () => {
  it('parseElf looks up by the linker rule and parseVdso by the vDSO rule, unless told', () => {
    expect(parseElf(base()).rule).toBe('linker');
    expect(parseVdso(base()).rule).toBe('vdso');
    expect(parseVdso(base(), { rule: 'linker' }).rule).toBe('linker');
    expect(parseElf(base(), { rule: 'vdso', hashEntrySize: 4 }).rule).toBe('vdso');
  });

  it('a VdsoImage built directly looks up by the vDSO rule', () => {
    expect(new VdsoImage(base()).rule).toBe('vdso');
  });

  it('an absent name whose GNU bucket is empty is simply not found, under both rules', () => {
    // Many buckets, few symbols: most buckets are empty, and some absent names pass the bloom filter.
    const image = parseElf(buildSyntheticVdso({ hash: 'gnu', bucketCount: 61, symbols: [{ name: 'a', version: 'LINUX_2.6' }, { name: 'b', version: 'LINUX_2.6' }] }).bytes);
    for (let index = 0; index < 20_000; index += 1) {
      for (const rule of ['vdso', 'linker'] as const) expect(image.lookup(`absent${index}`, undefined, { rule })).toBeUndefined();
    }
  });

  it('refuses an unknown field, naming it and listing the known ones', () => {
    expect(refused(() => parseVdso(base(), { rul: 'linker' } as never))).toEqual({ name: 'VdsoOptionError', code: 'ERR_VDSO_INVALID_OPTION', option: 'parse options.rul', message: 'parse options.rul: unknown option; the known ones are hashEntrySize, rule' });
    expect(refused(() => parseVdso(base()).lookup('time', undefined, { version: 'x' } as never))).toMatchObject({ option: 'lookup options.version', message: 'lookup options.version: unknown option; the known ones are rule' });
  });

  it.each([
    [null, 'null'],
    [[], 'an array'],
    ['linker', 'string'],
  ])('refuses options that are not an object (%j)', (options, got) => {
    expect(refused(() => parseElf(base(), options as never))).toMatchObject({ option: 'parse options', message: `parse options: must be an object with any of hashEntrySize, rule (got ${got})` });
  });

  it('refuses a rule or an entry size it does not know, saying what it takes', () => {
    expect(refused(() => parseVdso(base()).lookup('time', undefined, { rule: 'ld' as never }))).toMatchObject({ option: 'lookup options.rule', message: "lookup options.rule: must be 'vdso' or 'linker' (got 'ld')" });
    expect(refused(() => parseVdso(base(), { rule: 5 as never }))).toMatchObject({ option: 'parse options.rule', message: "parse options.rule: must be 'vdso' or 'linker' (got 5)" });
    expect(refused(() => parseVdso(base(), { hashEntrySize: 3 as never }))).toMatchObject({ option: 'parse options.hashEntrySize', message: 'parse options.hashEntrySize: must be 4 or 8 (got 3)' });
    // 4 and 8 are taken (8 reads a 4-byte table wrongly, which is the caller's choice).
    expect(parseVdso(base(), { hashEntrySize: 4 }).lookup('time')).toBeDefined();
    expect(() => parseVdso(base(), { hashEntrySize: 8 })).not.toThrow(VdsoOptionError);
  });
});

describe('the linker rule', () => {
  it('skips a value of 0 unless the symbol is absolute or TLS (check_match); the vDSO rule does not look', () => {
    const { bytes } = buildSyntheticVdso({
      versions: [],
      symbols: [
        { name: 'zero_func', value: 0n },
        { name: 'zero_abs', type: 'object', value: 0n, section: 0xfff1 },
        { name: 'zero_tls', type: 'tls', value: 0n },
      ],
    });
    const image = parseElf(bytes);
    expect(image.lookup('zero_func')).toBeUndefined();
    expect(image.lookup('zero_func', undefined, { rule: 'vdso' })).toMatchObject({ value: 0n });
    expect(image.lookup('zero_abs')).toMatchObject({ value: 0n, section: 0xfff1, offset: undefined });
    expect(image.lookup('zero_tls')).toMatchObject({ value: 0n, type: 'tls', offset: undefined });
  });

  it('finds nothing when a name has two default versions (do_lookup_x accepts exactly one); each by its version', () => {
    const { bytes } = buildSyntheticVdso({ versions: ['V1', 'V2'], symbols: [{ name: 'f', version: 'V1' }, { name: 'f', version: 'V2' }] });
    const image = parseElf(bytes);
    expect(image.lookup('f')).toBeUndefined();
    expect(image.lookup('f', 'V1')?.version).toBe('V1');
    expect(image.lookup('f', 'V2')?.version).toBe('V2');
  });

  it('gives a value in a reserved section no offset: COMMON, and the first reserved index', () => {
    const { bytes } = buildSyntheticVdso({ versions: [], symbols: [{ name: 'c', type: 'object', section: 0xfff2 }, { name: 'r', section: 0xff00 }, { name: 'last', section: 0xfeff }] });
    const listed = new Map(parseElf(bytes).symbols().map((symbol) => [symbol.name, symbol]));
    expect(listed.get('c')).toMatchObject({ section: 0xfff2, offset: undefined });
    expect(listed.get('r')).toMatchObject({ section: 0xff00, offset: undefined });
    expect(listed.get('last')!.offset).toBeTypeOf('number');
  });
});

describe('symbols of kinds readelf has no name for, and errors of the walks', () => {
  it('names them by number', () => {
    const built = buildSyntheticVdso({ versions: [], symbols: [{ name: 'odd' }] });
    const image = parseElf(built.bytes);
    const symbol = image.symbols()[0]!;
    const view = new DataView(built.bytes.buffer);
    // Find DT_SYMTAB in the dynamic section (the second program header's) and patch the symbol's st_info.
    const dynamic = Number(view.getBigUint64(64 + 56 + 8, true));
    let table = 0;
    for (let at = dynamic; ; at += 16) {
      const tag = Number(view.getBigInt64(at, true));
      if (tag === DT_SYMTAB) table = Number(view.getBigUint64(at + 8, true) - 0x10000n);
      if (tag === 0) break;
    }
    view.setUint8(table + symbol.index * 24 + 4, (3 << 4) | 11);
    expect(parseElf(built.bytes).symbols()[0]).toMatchObject({ type: 'type 11', bind: 'bind 3' });
  });

  it('a symbol table cut short is named in the error, under either rule', () => {
    const built = buildSyntheticVdso({ versions: [], hash: 'sysv', symbols: [{ name: 'time' }] });
    // Keep the tables but cut the image inside the symbol table's second entry.
    const image = parseElf(built.bytes);
    expect(image.lookup('time')).toBeDefined();
    const view = new DataView(built.bytes.buffer);
    const dynamic = Number(view.getBigUint64(64 + 56 + 8, true));
    for (let at = dynamic; ; at += 16) {
      const tag = Number(view.getBigInt64(at, true));
      if (tag === DT_SYMTAB) view.setBigUint64(at + 8, 0x10000n + BigInt(built.bytes.length - 30), true);
      if (tag === 0) break;
    }
    for (const rule of ['vdso', 'linker'] as const) {
      expect(() => parseElf(built.bytes).lookup('time', undefined, { rule })).toThrow(/^symbol 1 needs 24 bytes at offset \d+ but the image is \d+ bytes/);
    }
  });
});
