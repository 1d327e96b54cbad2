// The elf target. Three kinds of input:
// - mutated: truncations and byte mutations of the live vDSO, the real images of other
//   architectures (corpus/) and synthetic ones. Only a VdsoParseError or a sound result.
// - generated: an image built from a random specification (class, byte order, hash tables,
//   versions, symbol names of any length and kind, the last symbol and the last string at
//   the very ends of their tables). The specification is the oracle: every exported symbol
//   must be listed and found, by name and by version, at its offset, and nothing else.
// - looped: a generated image whose DT_HASH chain loops back; lookups must end (a
//   VdsoParseError or an answer), which the watchdog enforces.
// The hash functions are also checked against reference values computed here, from the
// definitions, on every name a case uses.
import fc from 'fast-check';
import * as vdso from '@vgetrandom/vdso';
import { type SyntheticSymbol, type SyntheticVdsoOptions, buildSyntheticVdso } from '@vgetrandom/vdso/testing';
import type { Check } from '../runner.js';
import { corpusImages } from '../corpus.js';

export interface MutatedCase {
  /** Base64 of the image before mutation, so a finding replays on any machine. */
  readonly image: string;
  readonly truncate: number | null;
  readonly mutations: ReadonlyArray<readonly [offset: number, value: number]>;
}

export interface GeneratedCase {
  readonly kind: 'generated';
  readonly spec: SyntheticVdsoOptions;
}

export type ElfCase = MutatedCase | GeneratedCase;

/** What the target needs of @vgetrandom/vdso (the real package, or a planted-bug build). */
export type VdsoImplementation = Pick<typeof vdso, 'parseVdso' | 'elfHash' | 'gnuHash'>;

const NAMES = ['__vdso_getrandom', '__kernel_getrandom', '__vdso_clock_gettime', 'getrandom', 'time', 'absent'];
const VERSION_NAMES = ['LINUX_2.6', 'LINUX_2.6.29', 'LINUX_4.15', 'LINUX_5.10', 'LINUX_6.11'];

export function baseImages(): Uint8Array[] {
  const images: Uint8Array[] = [];
  try {
    const live = vdso.locateVdso();
    if (live) images.push(live.bytes.slice());
  } catch {
    // Not Linux, or no native calls: the other images still run.
  }
  images.push(
    ...corpusImages().map((entry) => entry.bytes),
    buildSyntheticVdso({ symbols: NAMES.slice(0, 5).map((name) => ({ name, version: 'LINUX_2.6' })) }).bytes,
    buildSyntheticVdso({ elfClass: 32, littleEndian: false, hash: 'sysv', symbols: [{ name: 'getrandom' }, { name: 'time', bind: 'weak' }] }).bytes,
    buildSyntheticVdso({ littleEndian: false, hash: 'sysv', hashEntrySize: 8, bucketCount: 1, symbols: [{ name: '__kernel_getrandom', version: 'LINUX_2.6' }, { name: 'x', type: 'notype' }] }).bytes,
    buildSyntheticVdso({ hash: 'gnu', versions: [], bucketCount: 1, symbols: NAMES.map((name) => ({ name })) }).bytes,
  );
  return images;
}

// Names: printable ASCII and Latin-1 letters (bytes 0x80-0x9f decode differently in every
// TextDecoder, and no linker writes them), 1 to 48 bytes: long enough to reach bit 31 of both hashes.
const nameCharacter = fc.oneof(
  { arbitrary: fc.integer({ min: 0x21, max: 0x7e }), weight: 8 },
  { arbitrary: fc.integer({ min: 0xa0, max: 0xff }), weight: 1 },
);
const nameArbitrary = fc.array(nameCharacter, { minLength: 1, maxLength: 48 }).map((codes) => String.fromCharCode(...codes));

function specArbitrary(looped: boolean): fc.Arbitrary<SyntheticVdsoOptions> {
  return fc
    .record({
      elfClass: fc.constantFrom<32 | 64>(32, 64),
      littleEndian: fc.boolean(),
      hash: looped ? fc.constantFrom<'sysv' | 'both'>('sysv', 'both') : fc.constantFrom<'gnu' | 'sysv' | 'both'>('gnu', 'sysv', 'both'),
      hashEntrySize: fc.constantFrom<4 | 8>(4, 4, 4, 8),
      versions: fc.subarray(VERSION_NAMES),
      omitVerdef: fc.constantFrom(false, false, false, true),
      bucketCount: fc.integer({ min: 1, max: 8 }),
      symbols: fc.uniqueArray(
        fc.record({
          name: nameArbitrary,
          type: fc.constantFrom<'func' | 'notype' | 'object'>('func', 'func', 'func', 'notype', 'object'),
          bind: fc.constantFrom<'global' | 'weak' | 'local'>('global', 'global', 'weak', 'local'),
          versionPick: fc.nat(),
          hidden: fc.boolean(),
          defined: fc.constantFrom(true, true, true, true, false),
        }),
        { minLength: 1, maxLength: 24, selector: (symbol) => symbol.name },
      ),
      loops: fc.array(fc.tuple(fc.nat(), fc.nat()), looped ? { minLength: 1, maxLength: 3 } : { maxLength: 0 }),
    })
    .map(({ symbols, versions, loops, omitVerdef, hashEntrySize, ...rest }) => {
      const count = symbols.length + 1;
      return {
        ...rest,
        // 8-byte DT_HASH entries exist only in 64-bit s390 images (the builder marks them s390).
        hashEntrySize: rest.elfClass === 64 ? hashEntrySize : 4,
        versions,
        ...(omitVerdef ? { omitVerdef } : {}),
        symbols: symbols.map(({ versionPick, ...symbol }): SyntheticSymbol => {
          const version = versions.length === 0 || versionPick % 3 === 0 ? undefined : versions[versionPick % versions.length];
          return { ...symbol, ...(version === undefined ? {} : { version }) };
        }),
        // A chain entry pointing at itself or an earlier symbol of the table: a cycle.
        ...(loops.length === 0 ? {} : { sysvChainOverrides: loops.map(([at, to]) => [1 + (at % (count - 1)), 1 + (to % (1 + (at % (count - 1))))] as const) }),
      };
    });
}

export function elfArbitrary(images = baseImages()): fc.Arbitrary<ElfCase> {
  const mutated = fc.integer({ min: 0, max: images.length - 1 }).chain((which) => {
    const image = images[which]!;
    return fc.record({
      image: fc.constant(Buffer.from(image).toString('base64')),
      truncate: fc.option(fc.integer({ min: 0, max: image.length }), { nil: null, freq: 4 }),
      mutations: fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: image.length - 1 }),
          fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0xff, 0x7f, 0x80, 1)),
        ),
        { maxLength: 16 },
      ),
    });
  });
  const generated = (looped: boolean) => specArbitrary(looped).map((spec): GeneratedCase => ({ kind: 'generated', spec }));
  return fc.oneof({ arbitrary: mutated, weight: 2 }, { arbitrary: generated(false), weight: 2 }, { arbitrary: generated(true), weight: 1 });
}

export function materialise(testCase: ElfCase): Uint8Array {
  if ('kind' in testCase) return buildSyntheticVdso(testCase.spec).bytes;
  const bytes = new Uint8Array(Buffer.from(testCase.image, 'base64'));
  for (const [offset, value] of testCase.mutations) if (offset < bytes.length) bytes[offset] = value;
  return testCase.truncate === null ? bytes : bytes.subarray(0, testCase.truncate);
}

/** The SysV ELF hash from its definition (32-bit unsigned arithmetic), in BigInt. */
export function referenceElfHash(name: string): number {
  let h = 0n;
  for (const character of name) {
    h = ((h << 4n) + BigInt(character.charCodeAt(0) & 0xff)) & 0xffffffffn;
    const g = h & 0xf0000000n;
    if (g !== 0n) h ^= g >> 24n;
    h &= ~g & 0xffffffffn;
  }
  return Number(h);
}

/** The GNU hash from its definition: h = h * 33 + c modulo 2^32, from 5381. */
export function referenceGnuHash(name: string): number {
  let h = 5381n;
  for (const character of name) h = (h * 33n + BigInt(character.charCodeAt(0) & 0xff)) % 0x100000000n;
  return Number(h);
}

type Outcome = ReturnType<Check<ElfCase>>;

function isParseError(error: unknown): boolean {
  return error instanceof Error && error.name === 'VdsoParseError';
}

/** The checks every image gets: a parse error or a sound result. */
function checkSound(implementation: VdsoImplementation, bytes: Uint8Array, untouched: boolean): Outcome {
  let operations = 1;
  try {
    const image = implementation.parseVdso(bytes);
    const listed = image.symbols();
    for (const symbol of listed) {
      operations += 1;
      if (symbol.offset < 0 || symbol.offset >= bytes.length) {
        return { ok: false, operations, message: `symbols() returned ${symbol.name} at offset ${symbol.offset}, outside the ${bytes.length}-byte image` };
      }
    }
    // Differential: symbols() walks the symbol table linearly, lookup() goes through the
    // hash table. On an image the fuzzer did not touch, every listed symbol must be found
    // by its name and version, at the same offset.
    if (untouched) {
      for (const symbol of listed) {
        operations += 1;
        const found = image.lookup(symbol.name, symbol.version);
        if (!found || found.offset !== symbol.offset) {
          return { ok: false, operations, message: `symbols() lists ${symbol.name}${symbol.version ? `@${symbol.version}` : ''} but lookup() ${found ? `returns offset ${found.offset}, not ${symbol.offset}` : 'does not find it'}` };
        }
      }
    }
    for (const name of NAMES) {
      operations += 1;
      const symbol = image.lookup(name);
      if (symbol && symbol.name !== name) return { ok: false, operations, message: `lookup('${name}') returned '${symbol.name}'` };
      if (symbol && !listed.some((entry) => entry.index === symbol.index)) return { ok: false, operations, message: `lookup('${name}') found symbol ${symbol.index}, which symbols() does not list` };
      if (symbol && (symbol.offset < 0 || symbol.offset >= bytes.length)) {
        return { ok: false, operations, message: `lookup('${name}') returned offset ${symbol.offset}, outside the image` };
      }
    }
  } catch (error) {
    if (!isParseError(error)) return { ok: false, operations, message: `threw ${(error as Error).name} instead of VdsoParseError: ${(error as Error).message}` };
  }
  return { ok: true, operations };
}

/** A generated image against its specification. */
function checkGenerated(implementation: VdsoImplementation, spec: SyntheticVdsoOptions): Outcome {
  let operations = 0;
  for (const { name } of spec.symbols) {
    operations += 2;
    const elf = implementation.elfHash(name);
    const gnu = implementation.gnuHash(name);
    if (elf !== referenceElfHash(name)) return { ok: false, operations, message: `elfHash(${JSON.stringify(name)}) is 0x${elf.toString(16)}; the definition gives 0x${referenceElfHash(name).toString(16)}` };
    if (gnu !== referenceGnuHash(name)) return { ok: false, operations, message: `gnuHash(${JSON.stringify(name)}) is 0x${gnu.toString(16)}; the definition gives 0x${referenceGnuHash(name).toString(16)}` };
  }
  const built = buildSyntheticVdso(spec);
  const versioned = (spec.versions ?? ['LINUX_2.6']).length > 0 && spec.omitVerdef !== true;
  const loadVaddr = spec.loadVaddr ?? 0x10000n;
  const exported = spec.symbols.filter((symbol) => symbol.defined !== false && symbol.type !== 'object' && symbol.bind !== 'local');
  const expectation = (symbol: SyntheticSymbol) => ({
    version: versioned ? symbol.version : undefined,
    hidden: versioned && symbol.hidden === true,
    offset: Number(built.values.get(symbol.name)! - loadVaddr),
  });
  try {
    const image = implementation.parseVdso(built.bytes);
    operations += 1;
    if (image.info.symbolCount !== spec.symbols.length + 1) {
      return { ok: false, operations, message: `info.symbolCount is ${image.info.symbolCount}; the image has ${spec.symbols.length + 1} entries` };
    }
    const listed = new Map(image.symbols().map((symbol) => [symbol.name, symbol]));
    if (listed.size !== exported.length) {
      const missing = exported.find((symbol) => !listed.has(symbol.name));
      return { ok: false, operations, message: `symbols() lists ${listed.size} symbols, the image exports ${exported.length}${missing ? `: ${JSON.stringify(missing.name)} is missing` : ''}` };
    }
    for (const symbol of exported) {
      operations += 3;
      const want = expectation(symbol);
      const got = listed.get(symbol.name);
      if (!got || got.version !== want.version || got.hidden !== want.hidden || got.offset !== want.offset) {
        return { ok: false, operations, message: `symbols() gives ${JSON.stringify(symbol.name)} as ${got ? `${got.version}${got.hidden ? ' (hidden)' : ''} at ${got.offset}` : 'nothing'}; the image has ${want.version}${want.hidden ? ' (hidden)' : ''} at ${want.offset}` };
      }
      const plain = image.lookup(symbol.name);
      if (want.hidden ? plain !== undefined : plain?.offset !== want.offset) {
        return { ok: false, operations, message: `lookup(${JSON.stringify(symbol.name)}) gives ${plain ? `offset ${plain.offset}` : 'nothing'}; expected ${want.hidden ? 'nothing (only a hidden version exists)' : `offset ${want.offset}`}` };
      }
      const version = want.version ?? VERSION_NAMES[0]!;
      const versionedLookup = image.lookup(symbol.name, version);
      if (versionedLookup?.offset !== want.offset) {
        return { ok: false, operations, message: `lookup(${JSON.stringify(symbol.name)}, '${version}') gives ${versionedLookup ? `offset ${versionedLookup.offset}` : 'nothing'}; expected offset ${want.offset}` };
      }
    }
    for (const symbol of spec.symbols) {
      if (exported.includes(symbol)) continue;
      operations += 1;
      const found = image.lookup(symbol.name);
      if (found) return { ok: false, operations, message: `lookup(${JSON.stringify(symbol.name)}) found a ${symbol.defined === false ? 'undefined' : `${symbol.bind ?? 'global'} ${symbol.type ?? 'func'}`} symbol, which is not exported` };
    }
  } catch (error) {
    return { ok: false, operations, message: `a well-formed image was refused: ${(error as Error).name}: ${(error as Error).message}` };
  }
  return { ok: true, operations };
}

/** The check, against the real package or a planted-bug build of it. */
export function checkElf(implementation: VdsoImplementation = vdso): Check<ElfCase> {
  return (testCase) => {
    if (!('kind' in testCase)) return checkSound(implementation, materialise(testCase), testCase.truncate === null && testCase.mutations.length === 0);
    if (testCase.spec.sysvChainOverrides === undefined) return checkGenerated(implementation, testCase.spec);
    return checkSound(implementation, materialise(testCase), false);
  };
}
