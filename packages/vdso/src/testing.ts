// Builds synthetic vDSO-like ELF images for tests and fuzzing: any class, byte order,
// hash table kind and versioning, with exactly the symbols asked for.
//
//   0        Ehdr | Phdr[2] (PT_LOAD over everything, PT_DYNAMIC)
//            dynsym | dynstr | DT_HASH? | DT_GNU_HASH? | versym? | verdef? | text | dynamic
// Addresses inside are image offsets + `loadVaddr`, so the load bias is exercised.
import { elfHash, gnuHash } from './hash.js';
import {
  DT_GNU_HASH,
  DT_HASH,
  DT_STRSZ,
  DT_STRTAB,
  DT_SYMENT,
  DT_SYMTAB,
  DT_VERDEF,
  DT_VERDEFNUM,
  DT_VERSYM,
  EM_386,
  EM_S390,
  EM_X86_64,
  PT_DYNAMIC,
  PT_LOAD,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FUNC,
  STT_NOTYPE,
  STT_OBJECT,
  VERDAUX_SIZE,
  VERDEF_SIZE,
  VERSYM_HIDDEN,
  VER_FLG_BASE,
  layout32,
  layout64,
} from './layout.js';

/** One symbol of a synthetic image. */
export interface SyntheticSymbol {
  readonly name: string;
  readonly type?: 'func' | 'notype' | 'object' | 'tls' | 'ifunc' | 'common' | 'section';
  readonly bind?: 'global' | 'weak' | 'local' | 'unique';
  /** st_other's visibility; default 'default'. */
  readonly visibility?: 'default' | 'internal' | 'hidden' | 'protected';
  /**
   * Where a defined symbol's value points: 'file' (default) at its own bytes in the image,
   * 'bss' past the image's file bytes (as `_end`), 'absolute' an SHN_ABS value.
   */
  readonly placement?: 'file' | 'bss' | 'absolute';
  /** st_value written as given (instead of what placement chooses). */
  readonly value?: bigint;
  /** st_shndx written as given (instead of what placement chooses). */
  readonly section?: number;
  /** One of the image's `versions`; omitted means the global (unversioned) index. */
  readonly version?: string;
  readonly hidden?: boolean;
  /** False writes SHN_UNDEF (an import, which lookups must skip). Default true. */
  readonly defined?: boolean;
}

/** The shape of a synthetic image: class, byte order, hash tables, versions, symbols. */
export interface SyntheticVdsoOptions {
  readonly elfClass?: 32 | 64;
  readonly littleEndian?: boolean;
  /** e_machine; defaults to x86_64 (64-bit), i386 (32-bit), or s390 when hashEntrySize is 8. */
  readonly machine?: number;
  readonly hash?: 'gnu' | 'sysv' | 'both';
  /** DT_HASH entry size; 8 as on s390x. */
  readonly hashEntrySize?: 4 | 8;
  /** Version names defined by the image; an empty list writes no versioning at all. */
  readonly versions?: readonly string[];
  /** Writes DT_VERSYM but not DT_VERDEF (must still resolve, unversioned). */
  readonly omitVerdef?: boolean;
  /** Hash buckets; 1 puts every symbol in one bucket. */
  readonly bucketCount?: number;
  readonly loadVaddr?: bigint;
  readonly symbols: readonly SyntheticSymbol[];
  /**
   * DT_HASH chain entries to overwrite after the table is built, as [symbol index, next]:
   * a corrupt table (a chain that loops back) that a parser must refuse in bounded time.
   */
  readonly sysvChainOverrides?: ReadonlyArray<readonly [index: number, next: number]>;
}

/** A synthetic image and what a correct parser must find in it. */
export interface SyntheticVdso {
  readonly bytes: Uint8Array;
  /** st_value of each defined symbol, by name (the first of a name). */
  readonly values: ReadonlyMap<string, bigint>;
  /** Names a lookup must find: defined func/notype, global/weak. */
  readonly exported: readonly string[];
}

/** The soname a synthetic image's base version (index 1) is named by. */
export const SYNTHETIC_SONAME = 'linux-synthetic.so.1';

const TEXT_SLOT = 16;
const DEFINED_SECTION = 7;
const TYPE_CODES = { notype: STT_NOTYPE, object: STT_OBJECT, func: STT_FUNC, section: 3, common: 5, tls: 6, ifunc: 10 } as const;
const BIND_CODES = { local: STB_LOCAL, global: STB_GLOBAL, weak: STB_WEAK, unique: 10 } as const;
const VISIBILITY_CODES = { default: 0, internal: 1, hidden: 2, protected: 3 } as const;

/** Writes a synthetic vDSO image. */
export function buildSyntheticVdso(options: SyntheticVdsoOptions): SyntheticVdso {
  const elfClass = options.elfClass ?? 64;
  const littleEndian = options.littleEndian ?? true;
  const classLayout = elfClass === 64 ? layout64 : layout32;
  const word = classLayout.wordSize;
  const hashKind = options.hash ?? 'both';
  const hashEntrySize = options.hashEntrySize ?? 4;
  const machine = options.machine ?? (hashEntrySize === 8 ? EM_S390 : elfClass === 64 ? EM_X86_64 : EM_386);
  const versions = options.versions ?? ['LINUX_2.6'];
  const versioned = versions.length > 0;
  const bucketCount = options.bucketCount ?? 3;
  const loadVaddr = options.loadVaddr ?? 0x10000n;

  // GNU hash wants undefined symbols first, then hashed ones grouped by bucket.
  const undefinedSymbols = options.symbols.filter((symbol) => symbol.defined === false);
  const definedSymbols = options.symbols
    .filter((symbol) => symbol.defined !== false)
    .map((symbol) => ({ symbol, hash: gnuHash(symbol.name) }))
    .sort((a, b) => (a.hash % bucketCount) - (b.hash % bucketCount));
  const ordered: SyntheticSymbol[] = [...undefinedSymbols, ...definedSymbols.map((entry) => entry.symbol)];
  const symbolCount = ordered.length + 1;
  const symbolOffset = 1 + undefinedSymbols.length;

  const soname = SYNTHETIC_SONAME;
  const strings: string[] = ['', soname, ...ordered.map((symbol) => symbol.name), ...versions];
  const stringOffset = new Map<string, number>();
  let dynstrSize = 0;
  for (const text of strings) {
    if (!stringOffset.has(text)) {
      stringOffset.set(text, dynstrSize);
      dynstrSize += text.length + 1;
    }
  }

  const bloomSize = 2;
  const bloomShift = elfClass === 64 ? 6 : 5;
  let cursor = classLayout.ehdrSize + 2 * classLayout.phdrSize;
  const align = (to: number) => (cursor = Math.ceil(cursor / to) * to);
  const place = (size: number, alignment: number) => {
    align(alignment);
    const at = cursor;
    cursor += size;
    return at;
  };
  const dynsym = place(symbolCount * classLayout.symSize, 8);
  const dynstr = place(dynstrSize, 1);
  const sysv = hashKind !== 'gnu' ? place((2 + bucketCount + symbolCount) * hashEntrySize, 8) : -1;
  const gnu = hashKind !== 'sysv' ? place(16 + bloomSize * word + bucketCount * 4 + (symbolCount - symbolOffset) * 4, 8) : -1;
  const versym = versioned ? place(symbolCount * 2, 2) : -1;
  const verdefCount = versions.length + 1;
  const verdef = versioned && !options.omitVerdef ? place(verdefCount * (VERDEF_SIZE + VERDAUX_SIZE), 4) : -1;
  const text = place(symbolCount * TEXT_SLOT, 16);
  const dynamicEntries: Array<[number, bigint]> = [];
  const vaddr = (offset: number) => loadVaddr + BigInt(offset);
  if (sysv >= 0) dynamicEntries.push([DT_HASH, vaddr(sysv)]);
  if (gnu >= 0) dynamicEntries.push([DT_GNU_HASH, vaddr(gnu)]);
  dynamicEntries.push([DT_STRTAB, vaddr(dynstr)], [DT_SYMTAB, vaddr(dynsym)], [DT_STRSZ, BigInt(dynstrSize)], [DT_SYMENT, BigInt(classLayout.symSize)]);
  if (versym >= 0) dynamicEntries.push([DT_VERSYM, vaddr(versym)]);
  if (verdef >= 0) dynamicEntries.push([DT_VERDEF, vaddr(verdef)], [DT_VERDEFNUM, BigInt(verdefCount)]);
  dynamicEntries.push([0, 0n]);
  const dynamic = place(dynamicEntries.length * classLayout.dynSize, 8);
  const total = cursor;

  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const u8 = (at: number, value: number) => view.setUint8(at, value);
  const u16 = (at: number, value: number) => view.setUint16(at, value, littleEndian);
  const u32 = (at: number, value: number) => view.setUint32(at, value >>> 0, littleEndian);
  const wordAt = (at: number, value: bigint) =>
    word === 8 ? view.setBigUint64(at, value, littleEndian) : view.setUint32(at, Number(value), littleEndian);
  const hashWord = (at: number, value: number) =>
    hashEntrySize === 8 ? view.setBigUint64(at, BigInt(value), littleEndian) : view.setUint32(at, value, littleEndian);

  // Ehdr
  bytes.set([0x7f, 0x45, 0x4c, 0x46, elfClass === 64 ? 2 : 1, littleEndian ? 1 : 2, 1], 0);
  u16(16, 3); // ET_DYN
  u16(18, machine);
  u32(20, 1);
  wordAt(classLayout.ehdr.phoff, BigInt(classLayout.ehdrSize));
  u16(classLayout.ehdr.phentsize - 2, classLayout.ehdrSize); // e_ehsize
  u16(classLayout.ehdr.phentsize, classLayout.phdrSize);
  u16(classLayout.ehdr.phnum, 2);

  // Phdrs
  const writePhdr = (at: number, type: number, offset: number, size: number) => {
    const { phdr } = classLayout;
    u32(at + phdr.type, type);
    wordAt(at + phdr.offset, BigInt(offset));
    wordAt(at + phdr.vaddr, vaddr(offset));
    wordAt(at + phdr.vaddr + word, vaddr(offset)); // p_paddr
    wordAt(at + phdr.filesz, BigInt(size));
    wordAt(at + phdr.memsz, BigInt(size));
  };
  writePhdr(classLayout.ehdrSize, PT_LOAD, 0, total);
  writePhdr(classLayout.ehdrSize + classLayout.phdrSize, PT_DYNAMIC, dynamic, dynamicEntries.length * classLayout.dynSize);

  // dynstr
  for (const [textValue, offset] of stringOffset) {
    for (let index = 0; index < textValue.length; index += 1) u8(dynstr + offset + index, textValue.charCodeAt(index));
  }

  // dynsym, versym
  const values = new Map<string, bigint>();
  const exported: string[] = [];
  ordered.forEach((symbol, position) => {
    const index = position + 1;
    const entry = dynsym + index * classLayout.symSize;
    const { sym } = classLayout;
    const type = TYPE_CODES[symbol.type ?? 'func'];
    const bind = BIND_CODES[symbol.bind ?? 'global'];
    const defined = symbol.defined !== false;
    const placement = symbol.placement ?? 'file';
    // Past the file's bytes: the image's end plus the symbol's own slot, never inside the image.
    const value = symbol.value !== undefined ? symbol.value : !defined ? 0n : placement === 'bss' ? vaddr(total + index * TEXT_SLOT) : placement === 'absolute' ? BigInt(index * 0x1000 + 1) : vaddr(text + index * TEXT_SLOT);
    u32(entry + sym.name, stringOffset.get(symbol.name)!);
    u8(entry + sym.info, (bind << 4) | type);
    u8(entry + sym.other, VISIBILITY_CODES[symbol.visibility ?? 'default']);
    u16(entry + sym.shndx, symbol.section ?? (!defined ? 0 : placement === 'absolute' ? 0xfff1 : DEFINED_SECTION));
    wordAt(entry + sym.value, value);
    wordAt(entry + sym.size, BigInt(TEXT_SLOT));
    if (defined && placement === 'file') bytes.fill(0xcc, text + index * TEXT_SLOT, text + (index + 1) * TEXT_SLOT);
    if (defined && !values.has(symbol.name)) values.set(symbol.name, value);
    if (defined && (type === STT_FUNC || type === STT_NOTYPE) && (bind === STB_GLOBAL || bind === STB_WEAK)) exported.push(symbol.name);
    if (versym >= 0) {
      const versionIndex = symbol.version === undefined ? 1 : versions.indexOf(symbol.version) + 2;
      if (versionIndex === 1 && symbol.version !== undefined) throw new Error(`unknown version ${symbol.version}`);
      u16(versym + index * 2, versionIndex | (symbol.hidden ? VERSYM_HIDDEN : 0));
    }
  });

  // DT_HASH
  if (sysv >= 0) {
    hashWord(sysv, bucketCount);
    hashWord(sysv + hashEntrySize, symbolCount);
    const buckets = sysv + 2 * hashEntrySize;
    const chains = buckets + bucketCount * hashEntrySize;
    const heads = new Array<number>(bucketCount).fill(0);
    for (let index = symbolCount - 1; index >= 1; index -= 1) {
      const bucket = elfHash(ordered[index - 1]!.name) % bucketCount;
      hashWord(chains + index * hashEntrySize, heads[bucket]!);
      heads[bucket] = index;
    }
    heads.forEach((head, bucket) => hashWord(buckets + bucket * hashEntrySize, head));
    for (const [index, next] of options.sysvChainOverrides ?? []) {
      if (index >= 0 && index < symbolCount) hashWord(chains + index * hashEntrySize, next);
    }
  }

  // DT_GNU_HASH
  if (gnu >= 0) {
    u32(gnu, bucketCount);
    u32(gnu + 4, symbolOffset);
    u32(gnu + 8, bloomSize);
    u32(gnu + 12, bloomShift);
    const bits = word * 8;
    const bloom = new Array<bigint>(bloomSize).fill(0n);
    const buckets = gnu + 16 + bloomSize * word;
    const chains = buckets + bucketCount * 4;
    for (let index = symbolOffset; index < symbolCount; index += 1) {
      const hash = gnuHash(ordered[index - 1]!.name);
      const wordIndex = Math.floor(hash / bits) % bloomSize;
      bloom[wordIndex] = bloom[wordIndex]! | (1n << BigInt(hash % bits)) | (1n << BigInt((hash >>> bloomShift) % bits));
      const bucket = hash % bucketCount;
      if (view.getUint32(buckets + bucket * 4, littleEndian) === 0) u32(buckets + bucket * 4, index);
      const last = index + 1 === symbolCount || gnuHash(ordered[index]!.name) % bucketCount !== bucket;
      u32(chains + (index - symbolOffset) * 4, last ? hash | 1 : hash & ~1);
    }
    bloom.forEach((value, index) => wordAt(gnu + 16 + index * word, value));
  }

  // Verdef: index 1 is the base (the soname), then one per version.
  if (verdef >= 0) {
    const names = [soname, ...versions];
    names.forEach((name, position) => {
      const entry = verdef + position * (VERDEF_SIZE + VERDAUX_SIZE);
      u16(entry, 1);
      u16(entry + 2, position === 0 ? VER_FLG_BASE : 0);
      u16(entry + 4, position + 1);
      u16(entry + 6, 1);
      u32(entry + 8, elfHash(name));
      u32(entry + 12, VERDEF_SIZE);
      u32(entry + 16, position + 1 === names.length ? 0 : VERDEF_SIZE + VERDAUX_SIZE);
      u32(entry + VERDEF_SIZE, stringOffset.get(name)!);
      u32(entry + VERDEF_SIZE + 4, 0);
    });
  }

  dynamicEntries.forEach(([tag, value], index) => {
    const entry = dynamic + index * classLayout.dynSize;
    wordAt(entry, BigInt(tag));
    wordAt(entry + word, value);
  });

  return { bytes, values, exported };
}

export { type ReadelfSymbol, compareWithReadelf, parseReadelfDynSyms } from './readelf.js';
