// ELF constants and record layouts the parser needs, for both classes.
// Abbreviations: Ehdr = file header, Phdr = program header, Dyn = dynamic entry,
// Sym = symbol, Verdef/Verdaux = version definition and its name record.

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;

export const DT_NULL = 0;
export const DT_HASH = 4;
export const DT_STRTAB = 5;
export const DT_SYMTAB = 6;
export const DT_STRSZ = 10;
export const DT_SYMENT = 11;
export const DT_GNU_HASH = 0x6ffffef5;
export const DT_VERSYM = 0x6ffffff0;
export const DT_VERDEF = 0x6ffffffc;
export const DT_VERDEFNUM = 0x6ffffffd;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_COMMON = 5;
export const STT_TLS = 6;
export const STT_GNU_IFUNC = 10;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STB_GNU_UNIQUE = 10;
export const STV_DEFAULT = 0;
export const STV_INTERNAL = 1;
export const STV_HIDDEN = 2;
export const STV_PROTECTED = 3;
export const SHN_UNDEF = 0;
/** Section indexes from here up are reserved (absolute, common, ...): the value is no address. */
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;

export const VER_FLG_BASE = 0x1;
/** versym bit 15 marks a hidden (non-default) version; the index is the low 15 bits. */
export const VERSYM_HIDDEN = 0x8000;
export const VERSYM_INDEX_MASK = 0x7fff;

export const EM_386 = 3;
export const EM_PPC = 20;
export const EM_PPC64 = 21;
export const EM_S390 = 22;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;
export const EM_LOONGARCH = 258;

export const machineNames: Readonly<Record<number, string>> = {
  [EM_386]: 'i386',
  [EM_PPC]: 'powerpc',
  [EM_PPC64]: 'powerpc64',
  [EM_S390]: 's390',
  [EM_ARM]: 'arm',
  [EM_X86_64]: 'x86_64',
  [EM_AARCH64]: 'aarch64',
  [EM_RISCV]: 'riscv',
  [EM_LOONGARCH]: 'loongarch',
};

/** Offsets and sizes that differ between ELFCLASS32 and ELFCLASS64. */
export interface ClassLayout {
  readonly wordSize: 4 | 8;
  readonly ehdrSize: number;
  readonly ehdr: { readonly phoff: number; readonly phentsize: number; readonly phnum: number };
  readonly phdrSize: number;
  readonly phdr: { readonly type: number; readonly offset: number; readonly vaddr: number; readonly filesz: number; readonly memsz: number };
  readonly dynSize: number;
  readonly symSize: number;
  readonly sym: { readonly name: number; readonly info: number; readonly other: number; readonly shndx: number; readonly value: number; readonly size: number };
}

export const layout32: ClassLayout = {
  wordSize: 4,
  ehdrSize: 52,
  ehdr: { phoff: 28, phentsize: 42, phnum: 44 },
  phdrSize: 32,
  phdr: { type: 0, offset: 4, vaddr: 8, filesz: 16, memsz: 20 },
  dynSize: 8,
  symSize: 16,
  sym: { name: 0, value: 4, size: 8, info: 12, other: 13, shndx: 14 },
};

export const layout64: ClassLayout = {
  wordSize: 8,
  ehdrSize: 64,
  ehdr: { phoff: 32, phentsize: 54, phnum: 56 },
  phdrSize: 56,
  phdr: { type: 0, offset: 8, vaddr: 16, filesz: 32, memsz: 40 },
  dynSize: 16,
  symSize: 24,
  sym: { name: 0, info: 4, other: 5, shndx: 6, value: 8, size: 16 },
};

export const E_MACHINE_OFFSET = 18;
/** Verdef: version(2) flags(2) ndx(2) cnt(2) hash(4) aux(4) next(4). */
export const VERDEF_SIZE = 20;
/** Verdaux: name(4) next(4). */
export const VERDAUX_SIZE = 8;
