// A pure decoder and validator for `struct vgetrandom_opaque_params`, the 64 bytes
// the vDSO fills when asked with (NULL, 0, 0, &params, ~0UL):
//
//   offset  0  u32 size_of_opaque_state   bytes per state; opaque_len must equal it
//           4  u32 mmap_prot              prot for the pages holding states
//           8  u32 mmap_flags             flags for those pages (MAP_DROPPABLE)
//          12  u32 reserved[13]           zero today
import { ParamsError } from './errors.js';

/** Bytes in `struct vgetrandom_opaque_params`. */
export const OPAQUE_PARAMS_SIZE = 64;
const RESERVED_WORDS = 13;

/** The decoded `struct vgetrandom_opaque_params`. */
export interface OpaqueParams {
  /** Bytes in one per-thread state; pass exactly this as opaque_len. */
  readonly sizeOfOpaqueState: number;
  /** `prot` for mmap of the state pages. */
  readonly mmapProt: number;
  /** `flags` for mmap of the state pages. */
  readonly mmapFlags: number;
  readonly reserved: readonly number[];
}

/** Which validation rule the params failed. */
export type InvalidParamsCheck = 'return-value' | 'size-zero' | 'size-exceeds-page' | 'prot-not-read-write';

/** The verdict of validateOpaqueParams(). */
export type ParamsValidation =
  | { readonly valid: true; readonly warnings: readonly string[] }
  | { readonly valid: false; readonly check: InvalidParamsCheck; readonly message: string };

/**
 * Reads the struct from at least 64 bytes, in the given byte order (the host's by default).
 * @throws ParamsError ERR_PARAMS_TRUNCATED when fewer than 64 bytes are given.
 */
export function decodeOpaqueParams(bytes: Uint8Array | DataView, littleEndian = hostIsLittleEndian()): OpaqueParams {
  if (bytes.byteLength < OPAQUE_PARAMS_SIZE) {
    throw new ParamsError('ERR_PARAMS_TRUNCATED', `vgetrandom_opaque_params is ${OPAQUE_PARAMS_SIZE} bytes; got ${bytes.byteLength}`);
  }
  const view = bytes instanceof DataView ? bytes : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = (index: number) => view.getUint32(index * 4, littleEndian);
  return {
    sizeOfOpaqueState: word(0),
    mmapProt: word(1),
    mmapFlags: word(2),
    reserved: Array.from({ length: RESERVED_WORDS }, (_, index) => word(3 + index)),
  };
}

/**
 * Checks what a state allocator relies on. `returnValue` is what the query returned.
 * Non-zero reserved words only warn: a newer kernel may define them.
 */
export function validateOpaqueParams(params: OpaqueParams, options: { pageSize: number; returnValue?: number }): ParamsValidation {
  const returnValue = options.returnValue ?? 0;
  if (returnValue !== 0) {
    return { valid: false, check: 'return-value', message: `the params query returned ${returnValue}, expected 0` };
  }
  if (params.sizeOfOpaqueState === 0) {
    return { valid: false, check: 'size-zero', message: 'size_of_opaque_state is 0' };
  }
  // A state must fit in one page, or no placement could keep it from straddling.
  if (params.sizeOfOpaqueState > options.pageSize) {
    return {
      valid: false,
      check: 'size-exceeds-page',
      message: `size_of_opaque_state ${params.sizeOfOpaqueState} exceeds the ${options.pageSize}-byte page`,
    };
  }
  if ((params.mmapProt & (PROT_READ | PROT_WRITE)) !== (PROT_READ | PROT_WRITE)) {
    return {
      valid: false,
      check: 'prot-not-read-write',
      message: `mmap_prot ${describeProt(params.mmapProt)} lacks PROT_READ|PROT_WRITE; the vDSO writes its state`,
    };
  }
  const warnings = params.reserved.flatMap((value, index) =>
    value === 0 ? [] : [`reserved[${index}] is 0x${value.toString(16)}; this kernel may define fields we do not know`],
  );
  return { valid: true, warnings };
}

// Generic Linux values (x86, arm, riscv, loongarch, s390). These are ABI facts, listed
// here so the pure decoder needs no native package.
const PROT_READ = 0x1;
const PROT_WRITE = 0x2;
const protNames: ReadonlyArray<readonly [number, string]> = [
  [0x1, 'PROT_READ'],
  [0x2, 'PROT_WRITE'],
  [0x4, 'PROT_EXEC'],
  [0x8, 'PROT_SEM'],
  [0x01000000, 'PROT_GROWSDOWN'],
  [0x02000000, 'PROT_GROWSUP'],
];
const MAP_TYPE = 0x0f;
const mapTypeNames: Readonly<Record<number, string>> = {
  0x1: 'MAP_SHARED',
  0x2: 'MAP_PRIVATE',
  0x3: 'MAP_SHARED_VALIDATE',
  0x8: 'MAP_DROPPABLE',
};
const mapFlagNames: ReadonlyArray<readonly [number, string]> = [
  [0x10, 'MAP_FIXED'],
  [0x20, 'MAP_ANONYMOUS'],
  [0x100, 'MAP_GROWSDOWN'],
  [0x800, 'MAP_DENYWRITE'],
  [0x1000, 'MAP_EXECUTABLE'],
  [0x2000, 'MAP_LOCKED'],
  [0x4000, 'MAP_NORESERVE'],
  [0x8000, 'MAP_POPULATE'],
  [0x10000, 'MAP_NONBLOCK'],
  [0x20000, 'MAP_STACK'],
  [0x40000, 'MAP_HUGETLB'],
  [0x80000, 'MAP_SYNC'],
  [0x100000, 'MAP_FIXED_NOREPLACE'],
];

/** `0x3` → `'PROT_READ|PROT_WRITE'`; unknown bits as hex; 0 → `'PROT_NONE'`. */
export function describeProt(prot: number): string {
  if (prot === 0) return 'PROT_NONE';
  return describeBits(prot, protNames);
}

/** `0x28` → `'MAP_ANONYMOUS|MAP_DROPPABLE'`; the mapping type comes last, unknown bits as hex. */
export function describeMapFlags(flags: number): string {
  const type = flags & MAP_TYPE;
  const names = describeBits(flags & ~MAP_TYPE, mapFlagNames);
  const typeName = type === 0 ? '' : (mapTypeNames[type] ?? `MAP_TYPE(0x${type.toString(16)})`);
  return [names, typeName].filter((part) => part !== '').join('|') || '0';
}

function describeBits(value: number, table: ReadonlyArray<readonly [number, string]>): string {
  const names: string[] = [];
  let rest = value >>> 0;
  for (const [bit, name] of table) {
    if ((rest & bit) !== 0) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names.join('|');
}

function hostIsLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
