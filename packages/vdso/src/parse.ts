// A pure parser for vDSO-like ELF shared objects: finds the dynamic symbol table
// through PT_DYNAMIC and resolves names via DT_GNU_HASH (preferred) or DT_HASH, with
// symbol versions when the image has them. It reads bytes only; nothing here is native.
//
//   image bytes
//   +--------+--------------+ ... +-----------------+ ... +--------+--------+--------+
//   | Ehdr   | Phdr[phnum]  |     | PT_DYNAMIC: Dyn |     | dynsym | dynstr | hashes |
//   +--------+--------------+ ... +-----------------+ ... +--------+--------+--------+
//   Dyn entries hold virtual addresses; image offset = vaddr - PT_LOAD.p_vaddr + PT_LOAD.p_offset.
import { VdsoParseError } from './errors.js';
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
  SHN_UNDEF,
  STB_GLOBAL,
  STB_WEAK,
  STT_FUNC,
  STT_NOTYPE,
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

/** An exported function of the image. */
export interface VdsoSymbol {
  readonly name: string;
  /** The version it is defined under (`'LINUX_2.6'`), or undefined in an unversioned image. */
  readonly version: string | undefined;
  /** True for a non-default version (`name@V` rather than `name@@V`). */
  readonly hidden: boolean;
  readonly type: 'func' | 'notype';
  readonly bind: 'global' | 'weak';
  /** st_value as stored in the file: what `readelf -Ws` prints. */
  readonly value: bigint;
  /** Byte offset of the symbol inside the image: add the image's base for a callable address. */
  readonly offset: number;
  readonly size: bigint;
  /** Index in the dynamic symbol table. */
  readonly index: number;
}

/** What kind of image was parsed, and how its symbols are found. */
export interface VdsoImageInfo {
  readonly elfClass: 32 | 64;
  readonly littleEndian: boolean;
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

/** Options for parseVdso(). */
export interface ParseOptions {
  /** Bytes per DT_HASH entry; default 8 for 64-bit s390 images, else 4. */
  readonly hashEntrySize?: 4 | 8;
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
 * Parses an ELF image (ELFCLASS32/64, little or big endian) far enough to look up
 * its dynamic symbols. Pure: works on any bytes.
 * @throws VdsoParseError (ERR_VDSO_TRUNCATED, ERR_VDSO_BAD_MAGIC, ERR_VDSO_NO_DYNAMIC, ...)
 *   when the image is not a usable ELF shared object.
 */
export function parseVdso(bytes: Uint8Array | DataView, options: ParseOptions = {}): VdsoImage {
  return new VdsoImage(bytes, options);
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
  private readonly reader: ByteReader;
  private readonly classLayout: ClassLayout;
  private readonly loadVaddr: bigint;
  private readonly loadOffset: number;
  private readonly symtab: number;
  private readonly strtab: number;
  private readonly strtabEnd: number;
  private readonly sysv: SysvHash | undefined;
  private readonly gnu: GnuHash | undefined;
  private readonly versym: number | undefined;
  private readonly verdef: number | undefined;
  private readonly verdefCount: number | undefined;
  private versionNames: Map<number, string> | undefined;
  private symbolList: VdsoSymbol[] | undefined;

  constructor(bytes: Uint8Array | DataView, options: ParseOptions = {}) {
    const { reader, classLayout, elfClass } = readIdentity(bytes);
    this.reader = reader;
    this.classLayout = classLayout;
    // Inside the ELF header, which readIdentity checked whole: as every read below that
    // follows a check of its structure, it names the structure (a read there cannot fail).
    const machine = reader.u16(E_MACHINE_OFFSET, ELF_HEADER);

    // The first PT_LOAD gives the load bias; PT_DYNAMIC locates the dynamic section.
    let load: { offset: number; vaddr: bigint } | undefined;
    let dynamic: { offset: number; size: number } | undefined;
    forEachProgramHeader(reader, classLayout, (type, offset, vaddr, filesz) => {
      if (type === PT_LOAD && load === undefined) load = { offset, vaddr };
      if (type === PT_DYNAMIC && dynamic === undefined) dynamic = { offset, size: filesz };
    });
    if (load === undefined) throw new VdsoParseError('ERR_VDSO_NO_LOAD', 0, 'the image has no PT_LOAD segment');
    if (dynamic === undefined) throw new VdsoParseError('ERR_VDSO_NO_DYNAMIC', 0, 'the image has no PT_DYNAMIC segment');
    this.loadOffset = load.offset;
    this.loadVaddr = load.vaddr;

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
      const entrySize = options.hashEntrySize ?? (machine === EM_S390 && elfClass === 64 ? 8 : 4);
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
      machine,
      machineName: machineNames[machine] ?? `unknown (${machine})`,
      length: reader.length,
      hashTable: this.gnu ? 'gnu' : 'sysv',
      versioned: this.versym !== undefined,
      symbolCount: this.symbolCount(),
    };
  }

  /**
   * Finds an exported function by name, and by version when given and the image is
   * versioned. Accepts STT_FUNC and STT_NOTYPE, STB_GLOBAL and STB_WEAK, defined symbols only.
   * Without a version it returns what dlsym() would: the default (`@@`) definition, never a
   * hidden (`@`, old) one, wherever they sit in the hash chain (glibc 2.41
   * elf/dl-lookup.c: check_match() skips versym entries with bit 0x8000 when no version is
   * asked for). With a version, that version, hidden or not, as dlvsym() does.
   * @throws VdsoParseError when the hash tables or symbol entries it walks are corrupt.
   */
  lookup(name: string, version?: string): VdsoSymbol | undefined {
    return this.gnu ? this.lookupGnu(this.gnu, name, version) : this.lookupSysv(this.sysv!, name, version);
  }

  /**
   * Every exported function (same filter as lookup), in symbol-table order.
   * @throws VdsoParseError when a symbol entry or its name is corrupt.
   */
  symbols(): VdsoSymbol[] {
    if (this.symbolList) return this.symbolList;
    const list: VdsoSymbol[] = [];
    for (let index = 1; index < this.info.symbolCount; index += 1) {
      const symbol = this.readExported(index);
      if (symbol) list.push(symbol);
    }
    this.symbolList = list;
    return list;
  }

  private lookupGnu(table: GnuHash, name: string, version: string | undefined): VdsoSymbol | undefined {
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
        const symbol = this.match(index, name, version);
        if (symbol) return symbol;
      }
      if ((chainHash & 1) !== 0) return undefined;
      index += 1;
    }
  }

  private lookupSysv(table: SysvHash, name: string, version: string | undefined): VdsoSymbol | undefined {
    const hash = elfHash(name);
    const buckets = table.offset + 2 * table.entrySize;
    const chains = buckets + table.bucketCount * table.entrySize;
    let index = this.hashEntry(buckets + (hash % table.bucketCount) * table.entrySize, table.entrySize, 'DT_HASH bucket');
    // A chain can visit each symbol at most once; more steps means a cycle.
    for (let steps = 0; index !== 0; steps += 1) {
      if (index >= table.chainCount || steps >= table.chainCount) {
        throw new VdsoParseError('ERR_VDSO_BAD_HASH', chains, `DT_HASH chain is cyclic or leaves the table (symbol ${index} of ${table.chainCount})`);
      }
      const symbol = this.match(index, name, version);
      if (symbol) return symbol;
      index = this.hashEntry(chains + index * table.entrySize, table.entrySize, 'DT_HASH chain');
    }
    return undefined;
  }

  private match(index: number, name: string, version: string | undefined): VdsoSymbol | undefined {
    const symbol = this.readExported(index);
    if (!symbol || symbol.name !== name) return undefined;
    if (version === undefined) return symbol.hidden ? undefined : symbol;
    if (symbol.version !== undefined && symbol.version !== version) return undefined;
    return symbol;
  }

  /** The symbol at `index` if it is an exported function, else undefined. */
  private readExported(index: number): VdsoSymbol | undefined {
    const { sym, symSize } = this.classLayout;
    const entry = this.symtab + index * symSize;
    const reader = this.reader;
    const what = `symbol ${index}`;
    reader.check(entry, symSize, what);
    const info = reader.u8(entry + sym.info, what);
    const type = info & 0xf;
    const bind = info >> 4;
    const shndx = reader.u16(entry + sym.shndx, what);
    if (type !== STT_FUNC && type !== STT_NOTYPE) return undefined;
    if (bind !== STB_GLOBAL && bind !== STB_WEAK) return undefined;
    if (shndx === SHN_UNDEF) return undefined;
    // Stryker disable next-line ArithmeticOperator: st_name is at offset 0 in both classes
    const nameOffset = reader.u32(entry + sym.name, what);
    const name = reader.cString(this.strtab + nameOffset, this.strtabEnd, `name of symbol ${index}`);
    const value = reader.word(entry + sym.value, what);
    const size = reader.word(entry + sym.size, what);
    const offset = this.toOffset(value, `symbol ${name}`, entry);
    const { version, hidden } = this.versionOf(index);
    return {
      name,
      version,
      hidden,
      type: type === STT_FUNC ? 'func' : 'notype',
      bind: bind === STB_GLOBAL ? 'global' : 'weak',
      value,
      offset,
      size,
      index,
    };
  }

  private versionOf(index: number): { version: string | undefined; hidden: boolean } {
    if (this.versym === undefined) return { version: undefined, hidden: false };
    const raw = this.reader.u16(this.versym + index * 2, `versym of symbol ${index}`);
    // An index with no (non-base) definition is unversioned, as ld.so treats it.
    return { version: this.versionNamesByIndex().get(raw & VERSYM_INDEX_MASK), hidden: (raw & VERSYM_HIDDEN) !== 0 };
  }

  private versionNamesByIndex(): Map<number, string> {
    if (this.versionNames) return this.versionNames;
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
      if ((flags & VER_FLG_BASE) === 0 && auxCount > 0) {
        reader.check(entry + aux, VERDAUX_SIZE, 'Verdaux');
        const nameOffset = reader.u32(entry + aux, 'Verdaux');
        const name = reader.cString(this.strtab + nameOffset, this.strtabEnd, `version name of Verdef ${ndx}`);
        if (!names.has(ndx & VERSYM_INDEX_MASK)) names.set(ndx & VERSYM_INDEX_MASK, name);
      }
      if (next === 0) break;
      entry += next;
    }
    this.versionNames = names;
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

  /** Image offset of a virtual address; it must fall inside the image. */
  private toOffset(vaddr: bigint, what: string, at = 0): number {
    const offset = vaddr - this.loadVaddr + BigInt(this.loadOffset);
    if (offset < 0n || offset >= BigInt(this.reader.length)) {
      throw new VdsoParseError('ERR_VDSO_BAD_ADDRESS', at, `${what} address 0x${vaddr.toString(16)} falls outside the image`);
    }
    return Number(offset);
  }
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
