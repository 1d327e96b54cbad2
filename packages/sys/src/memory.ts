// mmap, munmap and madvise, and windows onto native memory. Failures come back as
// SysError with the errno name; MAP_FAILED never escapes as an address.
import { type Address, toAddress } from './address.js';
import { SysError, errnoError, errnoName } from './errors.js';
import { koffi, lastErrno, libcFunction } from './native.js';
import { withTerminationGuard } from './termination-guard.js';

export const PROT_NONE = 0x0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
/** Linux 6.11+: pages the kernel may zero at any time (vgetrandom states). */
export const MAP_DROPPABLE = 0x08;
/** The field of the flags that MAP_SHARED/MAP_PRIVATE/MAP_DROPPABLE select from. */
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;
export const MAP_LOCKED = 0x2000;
export const MAP_HUGETLB = 0x40000;

export const MADV_NORMAL = 0;
export const MADV_DONTNEED = 4;
export const MADV_WIPEONFORK = 18;
export const MADV_PAGEOUT = 21;

const MAP_FAILED = (1n << 64n) - 1n;

/**
 * Anonymous mmap (fd -1, offset 0) of `length` bytes.
 * @throws SysError with the errno name (EINVAL, EPERM, ENOMEM, ...) when mmap fails.
 */
export function mmap(length: number, prot: number, flags: number, hint: Address | null = null): Address {
  checkLength('mmap', length);
  const fn = libcFunction('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
  const result = fn(hint, length, prot, flags, -1, 0) as bigint | null;
  if (result === null || result === MAP_FAILED || BigInt(result) === MAP_FAILED) {
    throw errnoError('mmap', lastErrno(), `length ${length}, prot 0x${prot.toString(16)}, flags 0x${flags.toString(16)}`);
  }
  return toAddress(result);
}

/** @throws SysError (EINVAL for an unaligned address) when munmap fails. */
export function munmap(address: Address, length: number): void {
  checkLength('munmap', length);
  const result = libcFunction('int munmap(void *addr, size_t length)')(address, length) as number;
  if (result !== 0) throw errnoError('munmap', lastErrno());
}

/** @throws SysError (EINVAL for a bad advice or range) when madvise fails. */
export function madvise(address: Address, length: number, advice: number): void {
  checkLength('madvise', length);
  const result = libcFunction('int madvise(void *addr, size_t length, int advice)')(address, length, advice) as number;
  if (result !== 0) throw errnoError('madvise', lastErrno(), `advice ${advice}`);
}

/**
 * A Uint8Array over `length` bytes of native memory at `address`, without copying.
 * The caller MUST keep the memory mapped while the view is used: reading an unmapped
 * address crashes the process, and writing read-only memory (the vDSO) does too.
 */
export function readMemory(address: Address, length: number): Uint8Array {
  checkLength('readMemory', length, true);
  if (address === 0n) throw new SysError('ERR_INVALID_ARGUMENT', 'readMemory', 'cannot read memory at address 0');
  if (length === 0) return new Uint8Array(0);
  const ffi = koffi();
  return new Uint8Array(withTerminationGuard(() => ffi.view(address, length)));
}

/** The native address of a TypedArray's or Buffer's first byte. */
export function addressOf(view: ArrayBufferView): Address {
  return toAddress(koffi().address(view));
}

function checkLength(call: string, length: number, allowZero = false): void {
  if (!Number.isSafeInteger(length) || length < 0 || (!allowZero && length === 0)) {
    throw new SysError(
      'ERR_INVALID_ARGUMENT',
      call,
      `${call}: length must be a ${allowZero ? 'non-negative' : 'positive'} safe integer (got ${String(length)})`,
    );
  }
}

const PR_SET_VMA = 0x53564d41;
const PR_SET_VMA_ANON_NAME = 0;

/**
 * Names an anonymous mapping, so that /proc/<pid>/maps shows `[anon:<name>]` (Linux 5.17+
 * with CONFIG_ANON_VMA_NAME). glibc 2.41 names its state pages ` glibc: getrandom` only when
 * the tunable glibc.mem.decorate_maps=1 is set (__set_vma_name, sysdeps/unix/sysv/linux/
 * setvmaname.c): by default its mappings are unnamed (strace of Debian's 2.41-12+deb13u5 shows
 * the prctl only with the tunable). Go 1.24 names nothing.
 * Never throws: a kernel without the option answers EINVAL, a sandbox may answer EPERM.
 * `name` MUST be printable ASCII without `[`, `]`, `\\`, `$` or backquote, at most 79 bytes.
 */
export function nameMapping(address: Address, length: number, name: string): { readonly named: true } | { readonly named: false; readonly errno: string } {
  try {
    checkLength('nameMapping', length);
    const prctl = libcFunction('int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, const char *name)');
    const result = prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, address, length, name) as number;
    return result === 0 ? { named: true } : { named: false, errno: errnoName(lastErrno()) };
  } catch (error) {
    return { named: false, errno: (error as SysError).code ?? 'ERR_NATIVE_UNAVAILABLE' };
  }
}
