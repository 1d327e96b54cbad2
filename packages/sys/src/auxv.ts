// The auxiliary vector: what the kernel tells a process at exec, including where
// the vDSO is (AT_SYSINFO_EHDR) and the page size (AT_PAGESZ).
import { readFileSync } from 'node:fs';
import { libcFunction } from './native.js';

export const AT_NULL = 0;
export const AT_PAGESZ = 6;
export const AT_CLKTCK = 17;
export const AT_HWCAP = 16;
export const AT_RANDOM = 25;
export const AT_HWCAP2 = 26;
export const AT_SYSINFO_EHDR = 33;
export const AT_MINSIGSTKSZ = 51;

/**
 * `getauxval(type)` from libc: the value for `type`, or 0n when the vector lacks it.
 * @throws SysError ERR_UNSUPPORTED_PLATFORM / ERR_NATIVE_UNAVAILABLE off Linux.
 */
export function getauxval(type: number): bigint {
  const value = libcFunction('unsigned long getauxval(unsigned long type)')(type) as number | bigint;
  return BigInt(value);
}

/**
 * Parses raw auxv bytes: native-word (key, value) pairs ending with AT_NULL.
 * Pure; a truncated trailing pair is ignored.
 */
export function parseAuxv(
  bytes: Uint8Array,
  wordSize: 4 | 8 = 8,
  littleEndian = true,
): Map<number, bigint> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = new Map<number, bigint>();
  for (let offset = 0; offset + 2 * wordSize <= bytes.byteLength; offset += 2 * wordSize) {
    const key =
      wordSize === 8 ? view.getBigUint64(offset, littleEndian) : BigInt(view.getUint32(offset, littleEndian));
    const value =
      wordSize === 8
        ? view.getBigUint64(offset + wordSize, littleEndian)
        : BigInt(view.getUint32(offset + wordSize, littleEndian));
    if (key === BigInt(AT_NULL)) break;
    // Keys are small; a key beyond 2^32 means the bytes are not an auxv.
    if (key > 0xffffffffn) break;
    if (!entries.has(Number(key))) entries.set(Number(key), value);
  }
  return entries;
}

const nativeWordSize: 4 | 8 = ['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'].includes(
  process.arch,
)
  ? 8
  : 4;

/**
 * Reads `/proc/self/auxv` (the fallback when getauxval is unavailable).
 * Returns undefined when the file cannot be read (no procfs, not Linux).
 */
export function readProcAuxv(path = '/proc/self/auxv'): Map<number, bigint> | undefined {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  return parseAuxv(bytes, nativeWordSize, isLittleEndianHost());
}

function isLittleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
