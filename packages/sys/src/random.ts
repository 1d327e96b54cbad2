// The getrandom(2) syscall itself, made through syscall(2) so that a libc which
// routes its getrandom() wrapper through the vDSO cannot change what we measure.
import { type Address } from './address.js';
import { SysError, errnoError } from './errors.js';
import { lastErrno, libcFunction } from './native.js';
import { syscallNumbers } from './syscalls.js';

export const GRND_NONBLOCK = 0x1;
export const GRND_RANDOM = 0x2;
export const GRND_INSECURE = 0x4;

type SyscallGetrandom = (number: number, buffer: ArrayBufferView | Address, length: number, flags: number) => number | bigint;

let syscallGetrandom: SyscallGetrandom | undefined;
let getrandomNumber = 0;

function bind(): SyscallGetrandom {
  if (syscallGetrandom) return syscallGetrandom;
  const numbers = syscallNumbers();
  if (!numbers) {
    throw new SysError('ERR_UNSUPPORTED_PLATFORM', 'getrandom', `no getrandom syscall number known for ${process.arch}`);
  }
  getrandomNumber = numbers.getrandom;
  syscallGetrandom = libcFunction(
    'long syscall(long number, void *buffer, size_t length, unsigned int flags)',
  ) as SyscallGetrandom;
  return syscallGetrandom;
}

/**
 * One getrandom(2) syscall into `target` (a view, whose own bytes are filled, or a
 * native address with `length`). Returns the byte count, which may be short.
 * The caller MUST make sure `target` holds `length` bytes.
 * @throws SysError with the errno name: EINTR (retry), EAGAIN (GRND_NONBLOCK and the
 *   pool is not ready), EINVAL (bad flags), EFAULT (bad address).
 */
export function getrandomSyscall(target: ArrayBufferView | Address, length: number, flags = 0): number {
  const call = bind();
  const result = Number(call(getrandomNumber, target, length, flags));
  if (result < 0) throw errnoError('getrandom', lastErrno());
  return result;
}
