// The live locator: finds this process's vDSO through getauxval(AT_SYSINFO_EHDR),
// reads exactly the bytes its PT_LOAD segments cover, and parses them once.
import { AT_SYSINFO_EHDR, type Address, getauxval, readMemory, toAddress } from '@vgetrandom/sys';
import { VdsoParseError } from './errors.js';
import { type VdsoImage, parseVdso, vdsoImageLength } from './parse.js';

/** This process's vDSO as mapped: where, how long, its bytes and their parse. */
export interface LiveVdso {
  /** Where the kernel mapped the vDSO in this process. */
  readonly base: Address;
  /** Bytes covered by its PT_LOAD segments (more than one page on current kernels). */
  readonly length: number;
  /** A read-only view of the mapped image. Never write to it: the pages are not writable. */
  readonly bytes: Uint8Array;
  readonly image: VdsoImage;
}

// The smallest page size of any architecture with vDSO getrandom: always mapped.
const HEADER_WINDOW = 4096;

let located: LiveVdso | null | undefined;
const resolved = new Map<string, Address | null>();

/**
 * This process's vDSO, parsed; undefined when the process has none (AT_SYSINFO_EHDR is 0).
 * Computed once and cached.
 * @throws SysError off Linux or without koffi; VdsoParseError if the mapped image is corrupt.
 */
export function locateVdso(): LiveVdso | undefined {
  if (located !== undefined) return located ?? undefined;
  const rawBase = getauxval(AT_SYSINFO_EHDR);
  if (rawBase === 0n) {
    located = null;
    return undefined;
  }
  const base = toAddress(rawBase);
  // The ELF header and program headers sit in the first page, which is always mapped.
  const length = vdsoImageLength(readMemory(base, HEADER_WINDOW));
  const bytes = readMemory(base, length);
  located = { base, length, bytes, image: parseVdso(bytes) };
  return located;
}

/**
 * The callable address of `name` (at `version`, when given) in this process's vDSO, or
 * undefined when there is no vDSO or no such symbol. Cached per name and version.
 * @throws SysError off Linux or without koffi; VdsoParseError if the image is corrupt, and
 *   ERR_VDSO_BAD_ADDRESS if the symbol's value lies outside the image's bytes (nothing to call).
 */
export function resolveVdsoSymbol(name: string, version?: string): Address | undefined {
  const key = `${name}@${version ?? ''}`;
  const known = resolved.get(key);
  if (known !== undefined) return known ?? undefined;
  const vdso = locateVdso();
  const symbol = vdso?.image.lookup(name, version);
  if (symbol && symbol.offset === undefined) {
    throw new VdsoParseError('ERR_VDSO_BAD_ADDRESS', 0, `the vDSO's ${name} has the value 0x${symbol.value.toString(16)}, outside the image's bytes: there is nothing to call`);
  }
  const address = vdso && symbol ? toAddress(vdso.base + BigInt(symbol.offset!)) : null;
  resolved.set(key, address);
  return address ?? undefined;
}
