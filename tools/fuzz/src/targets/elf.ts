// The elf target. Three kinds of input:
// - mutated: truncations and byte mutations of the live vDSO, the real images of other
//   architectures (corpus/) and synthetic ones. Only a VdsoParseError or a sound result.
// - generated: an image built from a random specification (class, byte order, hash tables,
//   versions, symbol names of any length, every type, binding and visibility, values in the
//   file, past it and absolute, the last symbol and the last string at the very ends of their
//   tables). The specification is the oracle: every defined symbol is listed with its kind,
//   version and offset, and each lookup rule finds exactly what it must, by name and by
//   version. Untouched real images are checked against what readelf said of them.
// - looped: a generated image whose DT_HASH chain loops back; lookups must end (a
//   VdsoParseError or an answer), which the watchdog enforces.
// The hash functions are also checked against reference values computed here, from the
// definitions, on every name a case uses.
import fc from 'fast-check';
import * as vdso from '@vgetrandom/vdso';
import { createHash } from 'node:crypto';
import { SYNTHETIC_SONAME, type SyntheticSymbol, type SyntheticVdsoOptions, buildSyntheticVdso, compareWithReadelf } from '@vgetrandom/vdso/testing';
import type { Check } from '../runner.js';
import { corpusImages, readelfRows } from '../corpus.js';

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
          type: fc.constantFrom<NonNullable<SyntheticSymbol['type']>>('func', 'func', 'func', 'notype', 'object', 'tls', 'ifunc', 'common', 'section'),
          bind: fc.constantFrom<NonNullable<SyntheticSymbol['bind']>>('global', 'global', 'weak', 'local', 'unique'),
          visibility: fc.constantFrom<NonNullable<SyntheticSymbol['visibility']>>('default', 'default', 'default', 'protected', 'hidden', 'internal'),
          placement: fc.constantFrom<NonNullable<SyntheticSymbol['placement']>>('file', 'file', 'file', 'bss', 'absolute'),
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

/** What the vDSO rule takes: a defined global or weak function or untyped symbol. */
function isVdsoExport(symbol: { type: string; bind: string; section: number }): boolean {
  return (symbol.type === 'func' || symbol.type === 'notype') && (symbol.bind === 'global' || symbol.bind === 'weak') && symbol.section !== 0;
}

let corpusIndex: Map<string, { file: string; rows: ReturnType<typeof readelfRows> }> | undefined;
/** The corpus images by the SHA-256 of their bytes, with readelf's rows for each. */
function corpusBySha() {
  corpusIndex ??= new Map(corpusImages().map((entry) => [entry.imageSha256, { file: entry.file, rows: readelfRows(entry) }]));
  return corpusIndex;
}

function isParseError(error: unknown): boolean {
  return error instanceof Error && error.name === 'VdsoParseError';
}

/** The checks every image gets: a parse error or a sound result. */
function checkSound(implementation: VdsoImplementation, bytes: Uint8Array, untouched: boolean): Outcome {
  let operations = 1;
  try {
    const image = implementation.parseVdso(bytes);
    const listed = image.symbols();
    const outside = (offset: number | undefined) => offset !== undefined && (offset < 0 || offset >= bytes.length);
    for (const symbol of listed) {
      operations += 1;
      if (outside(symbol.offset)) {
        return { ok: false, operations, message: `symbols() returned ${symbol.name} at offset ${symbol.offset}, outside the ${bytes.length}-byte image` };
      }
      if (symbol.section === 0) return { ok: false, operations, message: `symbols() lists ${symbol.name}, which is undefined (SHN_UNDEF)` };
    }
    if (untouched) {
      // Differential: symbols() walks the symbol table linearly, lookup() goes through the
      // hash table. On an image the fuzzer did not touch, every listed symbol the vDSO rule
      // takes must be found by its name and version, at the same offset.
      for (const symbol of listed) {
        if (!isVdsoExport(symbol)) continue;
        operations += 1;
        const found = image.lookup(symbol.name, symbol.version, { rule: 'vdso' });
        if (!found || found.offset !== symbol.offset) {
          return { ok: false, operations, message: `symbols() lists ${symbol.name}${symbol.version ? `@${symbol.version}` : ''} but lookup() ${found ? `returns offset ${found.offset}, not ${symbol.offset}` : 'does not find it'}` };
        }
      }
      // A real image: readelf's listing of it is the oracle, for every symbol and both rules' finds.
      const entry = corpusBySha().get(createHash('sha256').update(bytes).digest('hex'));
      if (entry) {
        operations += entry.rows.length;
        const differences = compareWithReadelf(image as vdso.VdsoImage, entry.rows, 1);
        if (differences.length > 0) return { ok: false, operations, message: `${entry.file}, against readelf: ${differences[0]}` };
      }
    }
    for (const name of NAMES) {
      for (const rule of ['vdso', 'linker'] as const) {
        operations += 1;
        const symbol = image.lookup(name, undefined, { rule });
        if (!symbol) continue;
        if (symbol.name !== name) return { ok: false, operations, message: `lookup('${name}', { rule: '${rule}' }) returned '${symbol.name}'` };
        if (!listed.some((entry) => entry.index === symbol.index)) return { ok: false, operations, message: `lookup('${name}', { rule: '${rule}' }) found symbol ${symbol.index}, which symbols() does not list` };
        if (outside(symbol.offset)) return { ok: false, operations, message: `lookup('${name}', { rule: '${rule}' }) returned offset ${symbol.offset}, outside the image` };
        if (rule === 'vdso' && !isVdsoExport(symbol)) return { ok: false, operations, message: `lookup('${name}') under the vDSO rule returned a ${symbol.bind} ${symbol.type} symbol` };
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
  const defined = spec.symbols.filter((symbol) => symbol.defined !== false);
  /** What the specification says of a defined symbol, computed here and not by the parser. */
  const expectation = (symbol: SyntheticSymbol) => {
    const type = symbol.type ?? 'func';
    const bind = symbol.bind ?? 'global';
    const visibility = symbol.visibility ?? 'default';
    const placement = symbol.placement ?? 'file';
    const value = built.values.get(symbol.name)!;
    // check_match(): a value (nonzero here), a code or data kind; do_lookup_x(): not hidden or internal, not local.
    const linkable = ['notype', 'object', 'func', 'common', 'tls', 'ifunc'].includes(type) && ['global', 'weak', 'unique'].includes(bind) && (visibility === 'default' || visibility === 'protected');
    return {
      version: versioned ? symbol.version : undefined,
      hidden: versioned && symbol.hidden === true,
      type,
      bind,
      visibility,
      section: placement === 'absolute' ? 0xfff1 : 7,
      value,
      offset: placement === 'file' && type !== 'tls' ? Number(value - loadVaddr) : undefined,
      vdsoExport: (type === 'func' || type === 'notype') && (bind === 'global' || bind === 'weak'),
      linkable,
    };
  };
  const fail = (message: string): Outcome => ({ ok: false, operations, message });
  const shown = (found: { offset: number | undefined } | undefined) => (found ? `offset ${found.offset}` : 'nothing');
  try {
    const image = implementation.parseVdso(built.bytes);
    operations += 1;
    if (image.info.symbolCount !== spec.symbols.length + 1) return fail(`info.symbolCount is ${image.info.symbolCount}; the image has ${spec.symbols.length + 1} entries`);
    const listed = new Map(image.symbols().map((symbol) => [symbol.name, symbol]));
    if (listed.size !== defined.length) {
      const missing = defined.find((symbol) => !listed.has(symbol.name));
      return fail(`symbols() lists ${listed.size} symbols, the image defines ${defined.length}${missing ? `: ${JSON.stringify(missing.name)} is missing` : ''}`);
    }
    for (const symbol of defined) {
      operations += 6;
      const want = expectation(symbol);
      const got = listed.get(symbol.name);
      const fields = ['version', 'hidden', 'type', 'bind', 'visibility', 'section', 'value', 'offset'] as const;
      const wrong = got ? fields.find((field) => got[field] !== want[field]) : undefined;
      if (!got || wrong) return fail(`symbols() gives ${JSON.stringify(symbol.name)} ${got ? `${wrong} ${String(got[wrong!])}` : 'not at all'}; the image has ${wrong ? String(want[wrong]) : 'it'}`);
      const name = JSON.stringify(symbol.name);
      // The vDSO rule: the default version without one, that version (hidden or not) with one.
      const plain = image.lookup(symbol.name, undefined, { rule: 'vdso' });
      const plainWanted = want.vdsoExport && !want.hidden;
      if (plainWanted ? plain?.offset !== want.offset || plain?.index !== got.index : plain !== undefined) return fail(`lookup(${name}) under the vDSO rule gives ${shown(plain)}; expected ${plainWanted ? `offset ${want.offset}` : 'nothing'}`);
      const version = want.version ?? VERSION_NAMES[0]!;
      const versionedLookup = image.lookup(symbol.name, version, { rule: 'vdso' });
      if (want.vdsoExport ? versionedLookup?.index !== got.index : versionedLookup !== undefined) return fail(`lookup(${name}, '${version}') under the vDSO rule gives ${shown(versionedLookup)}; expected ${want.vdsoExport ? `offset ${want.offset}` : 'nothing'}`);
      // The linker rule: without a version, an unversioned definition or the one default
      // version; with one, that version by name (the soname for the base version).
      const linked = image.lookup(symbol.name, undefined, { rule: 'linker' });
      const linkedWanted = want.linkable && !(want.version !== undefined && want.hidden);
      if (linkedWanted ? linked?.index !== got.index : linked !== undefined) return fail(`lookup(${name}) under the linker rule gives ${shown(linked)}; expected ${linkedWanted ? `symbol ${got.index}` : 'nothing'}`);
      const linkedVersion = versioned ? want.version ?? SYNTHETIC_SONAME : version;
      const linkedVersioned = image.lookup(symbol.name, linkedVersion, { rule: 'linker' });
      if (want.linkable ? linkedVersioned?.index !== got.index : linkedVersioned !== undefined) return fail(`lookup(${name}, '${linkedVersion}') under the linker rule gives ${shown(linkedVersioned)}; expected ${want.linkable ? `symbol ${got.index}` : 'nothing'}`);
      if (versioned && want.version === undefined && image.lookup(symbol.name, VERSION_NAMES[0], { rule: 'linker' }) !== undefined) return fail(`lookup(${name}, '${VERSION_NAMES[0]}') under the linker rule found an unversioned symbol`);
    }
    for (const symbol of spec.symbols) {
      if (symbol.defined !== false) continue;
      operations += 2;
      for (const rule of ['vdso', 'linker'] as const) {
        if (image.lookup(symbol.name, undefined, { rule })) return fail(`lookup(${JSON.stringify(symbol.name)}) under the ${rule} rule found an undefined symbol`);
      }
    }
  } catch (error) {
    return fail(`a well-formed image was refused: ${(error as Error).name}: ${(error as Error).message}`);
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
