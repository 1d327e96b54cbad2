// A pure parser for the dynamic symbols of an ELF shared object, the vDSO or any other:
// finds the dynamic symbol table through PT_DYNAMIC, lists every defined symbol, and
// resolves names via DT_GNU_HASH (preferred) or DT_HASH, with symbol versions when the image
// has them, under the vDSO's lookup rule or the dynamic linker's. It reads bytes only;
// nothing here is native.
//
//   image bytes
//   +--------+--------------+ ... +-----------------+ ... +--------+--------+--------+
//   | Ehdr   | Phdr[phnum]  |     | PT_DYNAMIC: Dyn |     | dynsym | dynstr | hashes |
//   +--------+--------------+ ... +-----------------+ ... +--------+--------+--------+
//   Dyn entries hold virtual addresses; the PT_LOAD segment whose file bytes hold one gives
//   its image offset = vaddr - p_vaddr + p_offset.
import { VdsoOptionError, VdsoParseError, checkOptionFields } from './errors.js';
import { elfHash, gnuHash } from './hash.js';
import {
  DT_GNU_HASH,
  DT_HASH,
  DT_NULL,
  DT_STRSZ,
  DT_STRTAB,
  DT_SYMENT,
  DT_SYMTAB,
  DT_VERDEF,
  DT_VERDEFNUM,
  DT_VERSYM,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  EM_S390,
  E_MACHINE_OFFSET,
  PT_DYNAMIC,
  PT_LOAD,
  SHN_ABS,
  SHN_LORESERVE,
  SHN_UNDEF,
  STB_GLOBAL,
  STB_GNU_UNIQUE,
  STB_LOCAL,
  STB_WEAK,
  STT_COMMON,
  STT_FILE,
  STT_FUNC,
  STT_GNU_IFUNC,
  STT_NOTYPE,
  STT_OBJECT,
  STT_SECTION,
  STT_TLS,
  VERDAUX_SIZE,
  VERDEF_SIZE,
  VERSYM_HIDDEN,
  VERSYM_INDEX_MASK,
  VER_FLG_BASE,
  type ClassLayout,
  layout32,
  layout64,
  machineNames,
} from './layout.js';
import { ByteReader } from './reader.js';

/** st_type, by the names readelf prints (lowercase); others as `type N`. */
export type SymbolType = 'notype' | 'object' | 'func' | 'section' | 'file' | 'common' | 'tls' | 'ifunc' | `type ${number}`;
/** st_bind (`unique` is STB_GNU_UNIQUE); others as `bind N`. */
export type SymbolBind = 'local' | 'global' | 'weak' | 'unique' | `bind ${number}`;
/** The low two bits of st_other. */
export type SymbolVisibility = 'default' | 'internal' | 'hidden' | 'protected';

/**
 * Which symbols a lookup accepts, and how it treats versions:
 * - `'vdso'`: the kernel's vDSO parser (tools/testing/selftests/vDSO/parse_vdso.c,
 *   vdso_sym()): functions and untyped symbols, global or weak, defined.
 * - `'linker'`: the dynamic linker's (glibc 2.41 elf/dl-lookup.c, check_match() and
 *   do_lookup_x(), as dlsym() and dlvsym() call them): every code or data kind (untyped,
 *   object, function, common, TLS, IFUNC), global, weak or unique, not hidden or internal,
 *   with a value (0 only for absolute and TLS symbols), defined.
 */
export type LookupRule = 'vdso' | 'linker';

/** A defined dynamic symbol of the image. */
export interface VdsoSymbol {
  readonly name: string;
  /** The version it is defined under (`'LINUX_2.6'`), or undefined for an unversioned one. */
  readonly version: string | undefined;
  /** True for a non-default version (`name@V` rather than `name@@V`). */
  readonly hidden: boolean;
  readonly type: SymbolType;
  readonly bind: SymbolBind;
  readonly visibility: SymbolVisibility;
  /** st_value as stored in the file: what `readelf -Ws` prints. */
  readonly value: bigint;
  /**
   * Byte offset in the image where the value's bytes are (add the image's base for a callable
   * address): set when the value is an address inside a PT_LOAD segment's file bytes; undefined
   * for one past them (`.bss`, as `_end`), a TLS offset, or an absolute value.
   */
  readonly offset: number | undefined;
  readonly size: bigint;
  /** st_shndx: the section it is defined in; 0xfff1 absolute, 0xfff2 common. */
  readonly section: number;
  /** Index in the dynamic symbol table. */
  readonly index: number;
}

/** The same record under the name that fits any shared object. */
export type ElfSymbol = VdsoSymbol;

/** Options for lookup(). */
export interface LookupOptions {
  /** The rule to look up by; default the image's (`'vdso'` from parseVdso, `'linker'` from parseElf). */
  readonly rule?: LookupRule;
}

/** What kind of image was parsed, and how its symbols are found. */
export interface VdsoImageInfo {
  readonly elfClass: 32 | 64;
  readonly littleEndian: boolean;
  /** EI_OSABI: 0 System V, 3 GNU (which STB_GNU_UNIQUE and STT_GNU_IFUNC belong to), ... */
  readonly osabi: number;
  readonly machine: number;
  /** e.g. `'x86_64'`, or `'unknown (N)'`. */
  readonly machineName: string;
  readonly length: number;
  /** The hash table used for lookups. */
  readonly hashTable: 'gnu' | 'sysv';
  readonly versioned: boolean;
  /** Number of entries in the dynamic symbol table (including the null symbol). */
  readonly symbolCount: number;
}

/** Options for parseVdso() and parseElf(). */
export interface ParseOptions {
  /** Bytes per DT_HASH entry; default 8 for 64-bit s390 images, else 4. */
  readonly hashEntrySize?: 4 | 8;
  /** The default rule of lookup(); default `'vdso'` from parseVdso, `'linker'` from parseElf. */
  readonly rule?: LookupRule;
}

const LOOKUP_RULES: readonly LookupRule[] = ['vdso', 'linker'];

function checkRule(rule: unknown, where: string): LookupRule | undefined {
  if (rule === undefined || LOOKUP_RULES.includes(rule as LookupRule)) return rule as LookupRule | undefined;
  throw new VdsoOptionError(where, `must be 'vdso' or 'linker' (got ${typeof rule === 'string' ? `'${rule}'` : String(rule)})`);
}

interface SysvHash {
  readonly offset: number;
  readonly entrySize: 4 | 8;
  readonly bucketCount: number;
  readonly chainCount: number;
}

interface GnuHash {
  readonly offset: number;
  readonly bucketCount: number;
  readonly symbolOffset: number;
  readonly bloomSize: number;
  readonly bloomShift: number;
}

/**
 * Parses a vDSO image (ELFCLASS32/64, little or big endian) far enough to look up its
 * dynamic symbols; lookups follow the vDSO's rule unless told otherwise. Pure: works on any bytes.
 * @throws VdsoParseError (ERR_VDSO_TRUNCATED, ERR_VDSO_BAD_MAGIC, ERR_VDSO_NO_DYNAMIC, ...)
 *   when the image is not a usable ELF shared object; VdsoOptionError for bad options.
 */
export function parseVdso(bytes: Uint8Array | DataView, options: ParseOptions = {}): VdsoImage {
  return new VdsoImage(bytes, options, 'vdso');
}

/**
 * Parses any ELF shared object (a library file's bytes) for its dynamic symbols; lookups
 * follow the dynamic linker's rule unless told otherwise. The same parser as parseVdso().
 * @throws VdsoParseError when the image is not a usable ELF shared object; VdsoOptionError for bad options.
 */
export function parseElf(bytes: Uint8Array | DataView, options: ParseOptions = {}): VdsoImage {
  return new VdsoImage(bytes, options, 'linker');
}

/**
 * The number of bytes the image's PT_LOAD segments cover (max p_offset + p_filesz):
 * how much of the mapped vDSO to read. Needs only the header and program headers.
 * @throws VdsoParseError when those are unreadable or there is no PT_LOAD.
 */
export function vdsoImageLength(bytes: Uint8Array | DataView): number {
  const { reader, classLayout } = readIdentity(bytes);
  let extent = 0;
  // `bytes` may hold only the first page: segments are measured, not checked against it.
  forEachProgramHeader(
    reader,
    classLayout,
    (type, offset, _vaddr, filesz) => {
      if (type === PT_LOAD) extent = Math.max(extent, offset + filesz);
    },
    false,
  );
  if (extent === 0) throw new VdsoParseError('ERR_VDSO_NO_LOAD', 0, 'the image has no PT_LOAD segment');
  return extent;
}

/**
 * A parsed vDSO image: `info`, `lookup(name, version?)`, `symbols()`.
 * @throws VdsoParseError from the constructor and from lookups that walk corrupt tables.
 */
export class VdsoImage {
  readonly info: VdsoImageInfo;
  /** The rule lookup() follows when not told otherwise. */
  readonly rule: LookupRule;
  private readonly reader: ByteReader;
  private readonly classLayout: ClassLayout;
  /** The PT_LOAD segments' file bytes: where a virtual address lies in the image. */
  private readonly segments: ReadonlyArray<{ readonly vaddr: bigint; readonly offset: number; readonly filesz: number }>;
  private readonly symtab: number;
  private readonly strtab: number;
  private readonly strtabEnd: number;
  private readonly sysv: SysvHash | undefined;
  private readonly gnu: GnuHash | undefined;
  private readonly versym: number | undefined;
  private readonly verdef: number | undefined;
  private readonly verdefCount: number | undefined;
  private versionNames: Map<number, string> | undefined;
  private versionNamesWithBase: Map<number, string> | undefined;
  private symbolList: VdsoSymbol[] | undefined;

  constructor(bytes: Uint8Array | DataView, options: ParseOptions = {}, defaultRule: LookupRule = 'vdso') {
    const given = checkOptionFields(options, 'parse options', ['hashEntrySize', 'rule']);
    if (given['hashEntrySize'] !== undefined && given['hashEntrySize'] !== 4 && given['hashEntrySize'] !== 8) {
      throw new VdsoOptionError('parse options.hashEntrySize', `must be 4 or 8 (got ${String(given['hashEntrySize'])})`);
    }
    this.rule = checkRule(given['rule'], 'parse options.rule') ?? defaultRule;
    const { reader, classLayout, elfClass } = readIdentity(bytes);
    this.reader = reader;
    this.classLayout = classLayout;
    // Inside the ELF header, which readIdentity checked whole: as every read below that
    // follows a check of its structure, it names the structure (a read there cannot fail).
    const machine = reader.u16(E_MACHINE_OFFSET, ELF_HEADER);

    // The PT_LOAD segments map addresses to file bytes; PT_DYNAMIC locates the dynamic section.
    const segments: Array<{ vaddr: bigint; offset: number; filesz: number }> = [];
    let dynamic: { offset: number; size: number } | undefined;
    forEachProgramHeader(reader, classLayout, (type, offset, vaddr, filesz) => {
      if (type === PT_LOAD) segments.push({ vaddr, offset, filesz });
      if (type === PT_DYNAMIC && dynamic === undefined) dynamic = { offset, size: filesz };
    });
    if (segments.length === 0) throw new VdsoParseError('ERR_VDSO_NO_LOAD', 0, 'the image has no PT_LOAD segment');
    if (dynamic === undefined) throw new VdsoParseError('ERR_VDSO_NO_DYNAMIC', 0, 'the image has no PT_DYNAMIC segment');
    this.segments = segments;

    const tags = readDynamic(reader, classLayout, dynamic.offset, dynamic.size);
    const symtabAddress = tags.get(DT_SYMTAB);
    const strtabAddress = tags.get(DT_STRTAB);
    if (symtabAddress === undefined || strtabAddress === undefined) {
      throw new VdsoParseError('ERR_VDSO_NO_SYMTAB', dynamic.offset, 'the dynamic section lacks DT_SYMTAB or DT_STRTAB');
    }
    const syment = tags.get(DT_SYMENT);
    if (syment !== undefined && syment !== BigInt(classLayout.symSize)) {
      throw new VdsoParseError('ERR_VDSO_BAD_HEADER', dynamic.offset, `DT_SYMENT is ${syment}, expected ${classLayout.symSize}`);
    }
    this.symtab = this.toOffset(symtabAddress, 'DT_SYMTAB');
    this.strtab = this.toOffset(strtabAddress, 'DT_STRTAB');
    const strsz = tags.get(DT_STRSZ);
    // Clamped to the image: a DT_STRSZ past it (even past 2^53) ends the table at the image's end.
    this.strtabEnd = strsz === undefined ? reader.length : Math.min(reader.length, this.strtab + Number(strsz));

    const gnuAddress = tags.get(DT_GNU_HASH);
    const sysvAddress = tags.get(DT_HASH);
    if (gnuAddress === undefined && sysvAddress === undefined) {
      throw new VdsoParseError('ERR_VDSO_NO_HASH', dynamic.offset, 'the dynamic section has neither DT_GNU_HASH nor DT_HASH');
    }
    if (gnuAddress !== undefined) this.gnu = this.readGnuHeader(this.toOffset(gnuAddress, 'DT_GNU_HASH'));
    if (sysvAddress !== undefined) {
      const entrySize = (given['hashEntrySize'] as 4 | 8 | undefined) ?? (machine === EM_S390 && elfClass === 64 ? 8 : 4);
      this.sysv = this.readSysvHeader(this.toOffset(sysvAddress, 'DT_HASH'), entrySize);
    }

    // Versions count only when both tables exist: a vDSO without DT_VERDEF still resolves.
    const versymAddress = tags.get(DT_VERSYM);
    const verdefAddress = tags.get(DT_VERDEF);
    if (versymAddress !== undefined && verdefAddress !== undefined) {
      this.versym = this.toOffset(versymAddress, 'DT_VERSYM');
      this.verdef = this.toOffset(verdefAddress, 'DT_VERDEF');
      const verdefnum = tags.get(DT_VERDEFNUM);
      // Only a bound on the walk, which also ends at vd_next 0: a huge value is harmless.
      this.verdefCount = verdefnum === undefined ? undefined : Number(verdefnum);
    }

    this.info = {
      elfClass,
      littleEndian: reader.littleEndian,
      osabi: reader.u8(7, ELF_HEADER),
      machine,
      machineName: machineNames[machine] ?? `unknown (${machine})`,
      length: reader.length,
      hashTable: this.gnu ? 'gnu' : 'sysv',
      versioned: this.versym !== undefined,
      symbolCount: this.symbolCount(),
    };
  }

  /**
   * Finds a symbol by name, and by version when given and the image is versioned, under
   * `options.rule` (default: the image's rule, see LookupRule).
   * - `'vdso'`: functions and untyped symbols, global or weak, defined. Without a version it
   *   returns what dlsym() would: the default (`@@`) definition, never a hidden (`@`, old)
   *   one, wherever they sit in the hash chain; with one, that version, hidden or not.
   * - `'linker'`: check_match() and do_lookup_x() of glibc 2.41's elf/dl-lookup.c as dlsym()
   *   and dlvsym() call them. The first symbol of the hash chain that passes decides; one that
   *   is hidden or internal, or local, is then not found. Without a version: an unversioned
   *   (index 0 or 1) definition at once, else the default (`@@`) version when exactly one
   *   is in the chain. With a version: only that version (hidden or not), by name, the
   *   base version (the soname) included. Undefined entries are skipped (as check_match()
   *   does for relocations; dlsym() would accept one with a nonzero value, which only
   *   executables carry).
   * @throws VdsoParseError when the hash tables or symbol entries it walks are corrupt;
   *   VdsoOptionError for bad options.
   */
  lookup(name: string, version?: string, options?: LookupOptions): VdsoSymbol | undefined {
    const rule = checkRule(checkOptionFields(options, 'lookup options', ['rule'])['rule'], 'lookup options.rule') ?? this.rule;
    if (rule === 'vdso') return this.walk(name, (index) => this.matchVdso(index, name, version));
    let candidate: VdsoSymbol | undefined;
    let candidates = 0;
    const direct = this.walk(name, (index) => {
      const symbol = this.readSymbol(index);
      if (!linkerAccepts(symbol) || symbol.name !== name) return undefined;
      if (this.versym === undefined) return symbol;
      const raw = this.rawVersym(index);
      if (version !== undefined) return this.versionNamesByIndex(true).get(raw & VERSYM_INDEX_MASK) === version ? symbol : undefined;
      if ((raw & VERSYM_INDEX_MASK) < 2) return symbol;
      // A versioned definition: a candidate for dlsym() unless hidden; the walk goes on.
      if ((raw & VERSYM_HIDDEN) === 0 && candidates++ === 0) candidate = symbol;
      return undefined;
    });
    const found = direct ?? (candidates === 1 ? candidate : undefined);
    if (!found || found.visibility === 'hidden' || found.visibility === 'internal') return undefined;
    return found.bind === 'global' || found.bind === 'weak' || found.bind === 'unique' ? found : undefined;
  }

  /**
   * Every defined dynamic symbol (st_shndx not SHN_UNDEF), of any type and binding, in
   * symbol-table order: what `readelf --dyn-syms` lists, less the undefined entries.
   * @throws VdsoParseError when a symbol entry, its name or its version entry is corrupt.
   */
  symbols(): VdsoSymbol[] {
    if (this.symbolList) return this.symbolList;
    const list: VdsoSymbol[] = [];
    for (let index = 1; index < this.info.symbolCount; index += 1) {
      if (this.sectionOf(index) !== SHN_UNDEF) list.push(this.readSymbol(index));
    }
    this.symbolList = list;
    return list;
  }

  /** The first symbol of `name`'s hash chain that `match` accepts. */
  private walk(name: string, match: (index: number) => VdsoSymbol | undefined): VdsoSymbol | undefined {
    return this.gnu ? this.walkGnu(this.gnu, name, match) : this.walkSysv(this.sysv!, name, match);
  }

  private walkGnu(table: GnuHash, name: string, match: (index: number) => VdsoSymbol | undefined): VdsoSymbol | undefined {
    const hash = gnuHash(name);
    if (!this.bloomMayContain(table, hash)) return undefined;
    const buckets = table.offset + 16 + table.bloomSize * this.reader.wordSize;
    const chains = buckets + table.bucketCount * 4;
    let index = this.reader.u32(buckets + (hash % table.bucketCount) * 4, GNU_BLOOM_AND_BUCKETS);
    if (index === 0) return undefined;
    if (index < table.symbolOffset) {
      throw new VdsoParseError('ERR_VDSO_BAD_HASH', buckets, `GNU hash bucket points to symbol ${index}, below symoffset ${table.symbolOffset}`);
    }
    // Each step reads a later chain word, so a hostile chain ends at the image's end. A chain
    // that runs past the symbol count (a terminator bit lost) finds nothing symbols() lists.
    const count = this.info.symbolCount;
    for (;;) {
      if (index >= count) return undefined;
      const chainHash = this.reader.u32(chains + (index - table.symbolOffset) * 4, GNU_CHAIN);
      if ((chainHash | 1) === (hash | 1)) {
        const symbol = match(index);
        if (symbol) return symbol;
      }
      if ((chainHash & 1) !== 0) return undefined;
      index += 1;
    }
  }

  private walkSysv(table: SysvHash, name: string, match: (index: number) => VdsoSymbol | undefined): VdsoSymbol | undefined {
    const hash = elfHash(name);
    const buckets = table.offset + 2 * table.entrySize;
    const chains = buckets + table.bucketCount * table.entrySize;
    let index = this.hashEntry(buckets + (hash % table.bucketCount) * table.entrySize, table.entrySize, 'DT_HASH bucket');
    // A chain can visit each symbol at most once; more steps means a cycle.
    for (let steps = 0; index !== 0; steps += 1) {
      if (index >= table.chainCount || steps >= table.chainCount) {
        throw new VdsoParseError('ERR_VDSO_BAD_HASH', chains, `DT_HASH chain is cyclic or leaves the table (symbol ${index} of ${table.chainCount})`);
      }
      const symbol = match(index);
      if (symbol) return symbol;
      index = this.hashEntry(chains + index * table.entrySize, table.entrySize, 'DT_HASH chain');
    }
    return undefined;
  }

  /** The vDSO rule: a defined global or weak function or untyped symbol of that name and version. */
  private matchVdso(index: number, name: string, version: string | undefined): VdsoSymbol | undefined {
    const { sym, symSize } = this.classLayout;
    const entry = this.symtab + index * symSize;
    this.reader.check(entry, symSize, `symbol ${index}`);
    const info = this.reader.u8(entry + sym.info, `symbol ${index}`);
    const type = info & 0xf;
    const bind = info >> 4;
    if (type !== STT_FUNC && type !== STT_NOTYPE) return undefined;
    if (bind !== STB_GLOBAL && bind !== STB_WEAK) return undefined;
    if (this.sectionOf(index) === SHN_UNDEF) return undefined;
    const symbol = this.readSymbol(index);
    if (symbol.name !== name) return undefined;
    if (version === undefined) return symbol.hidden ? undefined : symbol;
    if (symbol.version !== undefined && symbol.version !== version) return undefined;
    return symbol;
  }

  private sectionOf(index: number): number {
    const { sym, symSize } = this.classLayout;
    const entry = this.symtab + index * symSize;
    this.reader.check(entry, symSize, `symbol ${index}`);
    return this.reader.u16(entry + sym.shndx, `symbol ${index}`);
  }

  /** The symbol at `index`, whatever it is. */
  private readSymbol(index: number): VdsoSymbol {
    const { sym, symSize } = this.classLayout;
    const entry = this.symtab + index * symSize;
    const reader = this.reader;
    const what = `symbol ${index}`;
    reader.check(entry, symSize, what);
    const info = reader.u8(entry + sym.info, what);
    const type = info & 0xf;
    const section = reader.u16(entry + sym.shndx, what);
    // Stryker disable next-line ArithmeticOperator: st_name is at offset 0 in both classes
    const nameOffset = reader.u32(entry + sym.name, what);
    const name = reader.cString(this.strtab + nameOffset, this.strtabEnd, `name of symbol ${index}`);
    const value = reader.word(entry + sym.value, what);
    // An address only in a real section, and for TLS an offset in the thread's block.
    const isAddress = section !== SHN_UNDEF && section < SHN_LORESERVE && type !== STT_TLS;
    const { version, hidden } = this.versionOf(index);
    return {
      name,
      version,
      hidden,
      type: TYPE_NAMES[type] ?? `type ${type}`,
      bind: BIND_NAMES[info >> 4] ?? `bind ${info >> 4}`,
      visibility: VISIBILITY_NAMES[reader.u8(entry + sym.other, what) & 3]!,
      value,
      offset: isAddress ? this.fileOffset(value) : undefined,
      size: reader.word(entry + sym.size, what),
      section,
      index,
    };
  }

  private rawVersym(index: number): number {
    return this.reader.u16(this.versym! + index * 2, `versym of symbol ${index}`);
  }

  private versionOf(index: number): { version: string | undefined; hidden: boolean } {
    if (this.versym === undefined) return { version: undefined, hidden: false };
    const raw = this.rawVersym(index);
    // An index with no (non-base) definition is unversioned, as ld.so treats it.
    return { version: this.versionNamesByIndex(false).get(raw & VERSYM_INDEX_MASK), hidden: (raw & VERSYM_HIDDEN) !== 0 };
  }

  /** Version names by index; with `withBase`, the base version (the soname) too, as ld.so's l_versions holds it. */
  private versionNamesByIndex(withBase: boolean): Map<number, string> {
    if (withBase) return (this.versionNamesWithBase ??= this.readVersionNames(true));
    return (this.versionNames ??= this.readVersionNames(false));
  }

  private readVersionNames(withBase: boolean): Map<number, string> {
    const names = new Map<number, string>();
    const reader = this.reader;
    const limit = this.verdefCount ?? Math.floor(reader.length / VERDEF_SIZE);
    let entry = this.verdef!;
    // vd_next is unsigned and non-zero until the last entry, so entries only move forward.
    for (let count = 0; count < limit; count += 1) {
      const flags = reader.u16(entry + 2, 'vd_flags');
      const ndx = reader.u16(entry + 4, 'vd_ndx');
      const auxCount = reader.u16(entry + 6, 'vd_cnt');
      const aux = reader.u32(entry + 12, 'vd_aux');
      const next = reader.u32(entry + 16, 'vd_next');
      if ((withBase || (flags & VER_FLG_BASE) === 0) && auxCount > 0) {
        reader.check(entry + aux, VERDAUX_SIZE, 'Verdaux');
        const nameOffset = reader.u32(entry + aux, 'Verdaux');
        const name = reader.cString(this.strtab + nameOffset, this.strtabEnd, `version name of Verdef ${ndx}`);
        if (!names.has(ndx & VERSYM_INDEX_MASK)) names.set(ndx & VERSYM_INDEX_MASK, name);
      }
      if (next === 0) break;
      entry += next;
    }
    return names;
  }

  private readGnuHeader(offset: number): GnuHash {
    const reader = this.reader;
    const bucketCount = reader.u32(offset, 'GNU hash nbuckets');
    const symbolOffset = reader.u32(offset + 4, 'GNU hash symoffset');
    const bloomSize = reader.u32(offset + 8, 'GNU hash bloom size');
    const bloomShift = reader.u32(offset + 12, 'GNU hash bloom shift');
    if (bucketCount === 0 || bloomSize === 0) {
      throw new VdsoParseError('ERR_VDSO_BAD_HASH', offset, `GNU hash has ${bucketCount} buckets and ${bloomSize} bloom words; both must be non-zero`);
    }
    reader.check(offset + 16, bloomSize * reader.wordSize + bucketCount * 4, GNU_BLOOM_AND_BUCKETS);
    return { offset, bucketCount, symbolOffset, bloomSize, bloomShift };
  }

  private readSysvHeader(offset: number, entrySize: 4 | 8): SysvHash {
    const bucketCount = this.hashEntry(offset, entrySize, 'DT_HASH nbucket');
    const chainCount = this.hashEntry(offset + entrySize, entrySize, 'DT_HASH nchain');
    if (bucketCount === 0) throw new VdsoParseError('ERR_VDSO_BAD_HASH', offset, 'DT_HASH has no buckets');
    this.reader.check(offset + 2 * entrySize, (bucketCount + chainCount) * entrySize, 'DT_HASH buckets and chains');
    return { offset, entrySize, bucketCount, chainCount };
  }

  private hashEntry(offset: number, entrySize: 4 | 8, what: string): number {
    if (entrySize === 4) return this.reader.u32(offset, what);
    const value = this.reader.u64(offset, what);
    if (value > BigInt(this.reader.length)) {
      throw new VdsoParseError('ERR_VDSO_BAD_HASH', offset, `${what} is ${value}, larger than the image`);
    }
    return Number(value);
  }

  private bloomMayContain(table: GnuHash, hash: number): boolean {
    const reader = this.reader;
    const bits = reader.wordSize * 8;
    const word = reader.word(table.offset + 16 + (Math.floor(hash / bits) % table.bloomSize) * reader.wordSize, GNU_BLOOM_AND_BUCKETS);
    const first = 1n << BigInt(hash % bits);
    const second = 1n << BigInt((hash >>> (table.bloomShift & 31)) % bits);
    const mask = first | second;
    return (word & mask) === mask;
  }

  /** DT_HASH gives it exactly; with GNU hash only, walk to the end of the last chain. */
  private symbolCount(): number {
    if (this.sysv) return this.sysv.chainCount;
    const table = this.gnu!;
    const buckets = table.offset + 16 + table.bloomSize * this.reader.wordSize;
    const chains = buckets + table.bucketCount * 4;
    let last = 0;
    for (let bucket = 0; bucket < table.bucketCount; bucket += 1) {
      last = Math.max(last, this.reader.u32(buckets + bucket * 4, GNU_BLOOM_AND_BUCKETS));
    }
    if (last < table.symbolOffset) return table.symbolOffset;
    while ((this.reader.u32(chains + (last - table.symbolOffset) * 4, GNU_CHAIN) & 1) === 0) last += 1;
    return last + 1;
  }

  /** The image offset of a virtual address in a PT_LOAD segment's file bytes, or undefined. */
  private fileOffset(vaddr: bigint): number | undefined {
    for (const segment of this.segments) {
      const within = vaddr - segment.vaddr;
      if (within >= 0n && within < BigInt(segment.filesz)) return segment.offset + Number(within);
    }
    return undefined;
  }

  /** The image offset of a table the parser must read; it must lie in a segment's file bytes. */
  private toOffset(vaddr: bigint, what: string, at = 0): number {
    const offset = this.fileOffset(vaddr);
    if (offset === undefined) {
      throw new VdsoParseError('ERR_VDSO_BAD_ADDRESS', at, `${what} address 0x${vaddr.toString(16)} lies in no PT_LOAD segment's file bytes`);
    }
    return offset;
  }
}

const TYPE_NAMES: Readonly<Record<number, SymbolType>> = {
  [STT_NOTYPE]: 'notype',
  [STT_OBJECT]: 'object',
  [STT_FUNC]: 'func',
  [STT_SECTION]: 'section',
  [STT_FILE]: 'file',
  [STT_COMMON]: 'common',
  [STT_TLS]: 'tls',
  [STT_GNU_IFUNC]: 'ifunc',
};
const BIND_NAMES: Readonly<Record<number, SymbolBind>> = { [STB_LOCAL]: 'local', [STB_GLOBAL]: 'global', [STB_WEAK]: 'weak', [STB_GNU_UNIQUE]: 'unique' };
const VISIBILITY_NAMES: readonly SymbolVisibility[] = ['default', 'internal', 'hidden', 'protected'];
/** check_match()'s ALLOWED_STT: code and data definitions. */
const LINKER_TYPES: ReadonlySet<SymbolType> = new Set<SymbolType>(['notype', 'object', 'func', 'common', 'tls', 'ifunc']);

/** check_match()'s first tests: a value (unless absolute or TLS), a code or data kind, defined. */
function linkerAccepts(symbol: VdsoSymbol): boolean {
  if (symbol.value === 0n && symbol.section !== SHN_ABS && symbol.type !== 'tls') return false;
  return symbol.section !== SHN_UNDEF && LINKER_TYPES.has(symbol.type);
}

const ELF_HEADER = 'ELF header';
const GNU_BLOOM_AND_BUCKETS = 'GNU hash bloom filter and buckets';
/** Not checked as a whole: its length is known only by walking it. */
const GNU_CHAIN = 'GNU hash chain';

function readIdentity(bytes: Uint8Array | DataView): { reader: ByteReader; classLayout: ClassLayout; elfClass: 32 | 64 } {
  const probe = new ByteReader(bytes, true, 4);
  probe.check(0, 16, 'e_ident');
  if (probe.u32(0, 'e_ident') !== 0x464c457f) {
    throw new VdsoParseError('ERR_VDSO_BAD_MAGIC', 0, 'not an ELF image: the first bytes are not 0x7f "ELF"');
  }
  const elfClassByte = probe.u8(4, 'e_ident');
  if (elfClassByte !== ELFCLASS32 && elfClassByte !== ELFCLASS64) {
    throw new VdsoParseError('ERR_VDSO_BAD_CLASS', 4, `EI_CLASS is ${elfClassByte}; expected 1 (32-bit) or 2 (64-bit)`);
  }
  const encoding = probe.u8(5, 'e_ident');
  if (encoding !== ELFDATA2LSB && encoding !== ELFDATA2MSB) {
    throw new VdsoParseError('ERR_VDSO_BAD_ENCODING', 5, `EI_DATA is ${encoding}; expected 1 (LE) or 2 (BE)`);
  }
  const elfClass = elfClassByte === ELFCLASS64 ? 64 : 32;
  const classLayout = elfClass === 64 ? layout64 : layout32;
  const reader = new ByteReader(bytes, encoding === ELFDATA2LSB, classLayout.wordSize);
  reader.check(0, classLayout.ehdrSize, ELF_HEADER);
  return { reader, classLayout, elfClass };
}

function forEachProgramHeader(
  reader: ByteReader,
  classLayout: ClassLayout,
  visit: (type: number, offset: number, vaddr: bigint, filesz: number) => void,
  wholeImage = true,
): void {
  const phoff = reader.word(classLayout.ehdr.phoff, ELF_HEADER);
  const phentsize = reader.u16(classLayout.ehdr.phentsize, ELF_HEADER);
  const phnum = reader.u16(classLayout.ehdr.phnum, ELF_HEADER);
  if (phnum > 0 && phentsize !== classLayout.phdrSize) {
    throw new VdsoParseError('ERR_VDSO_BAD_HEADER', classLayout.ehdr.phentsize, `e_phentsize is ${phentsize}, expected ${classLayout.phdrSize}`);
  }
  const start = asOffset(reader, phoff, 'e_phoff', classLayout.ehdr.phoff);
  const what = 'program headers';
  reader.check(start, phnum * phentsize, what);
  const { phdr } = classLayout;
  for (let index = 0; index < phnum; index += 1) {
    const entry = start + index * phentsize;
    // Stryker disable next-line ArithmeticOperator: p_type is at offset 0 in both classes
    const type = reader.u32(entry + phdr.type, what);
    const offsetWord = reader.word(entry + phdr.offset, what);
    const vaddr = reader.word(entry + phdr.vaddr, what);
    const fileszWord = reader.word(entry + phdr.filesz, what);
    // Other segments (notes, GNU_EH_FRAME, ...) are none of our business, wherever they end.
    if (type !== PT_LOAD && type !== PT_DYNAMIC) continue;
    // A vDSO is at most a few pages; a larger segment is corrupt whatever the window.
    const limit = BigInt(wholeImage ? reader.length : MAX_IMAGE_LENGTH);
    if (offsetWord + fileszWord > limit) {
      throw new VdsoParseError('ERR_VDSO_TRUNCATED', entry, `segment of type ${type} ends past the image (${offsetWord} + ${fileszWord} > ${limit})`);
    }
    visit(type, Number(offsetWord), vaddr, Number(fileszWord));
  }
}

/** Upper bound on a believable vDSO image (current kernels: 2 pages). */
const MAX_IMAGE_LENGTH = 1 << 20;

function readDynamic(reader: ByteReader, classLayout: ClassLayout, start: number, size: number): Map<number, bigint> {
  const tags = new Map<number, bigint>();
  const end = start + size;
  // The segment lies inside the image (forEachProgramHeader checked it), so can its entries.
  const what = 'PT_DYNAMIC segment';
  for (let entry = start; entry + classLayout.dynSize <= end; entry += classLayout.dynSize) {
    const tag = reader.signedWord(entry, what);
    if (tag === BigInt(DT_NULL)) break;
    const value = reader.word(entry + classLayout.wordSize, what);
    // The first occurrence of a tag wins. (Only small tags are ever looked up; a huge one
    // that Number() rounds is stored under a key nobody asks for.)
    if (!tags.has(Number(tag))) tags.set(Number(tag), value);
  }
  return tags;
}

function asOffset(reader: ByteReader, value: bigint, what: string, at: number): number {
  if (value > BigInt(reader.length)) {
    throw new VdsoParseError('ERR_VDSO_TRUNCATED', at, `${what} is ${value}, past the ${reader.length}-byte image`);
  }
  return Number(value);
}
