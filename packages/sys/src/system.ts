// Facts about this machine and thread: page size, cache line, CPUs, thread id.
import { AT_PAGESZ, getauxval, readProcAuxv } from './auxv.js';
import { SysError, errnoError } from './errors.js';
import { type TgkillAnswer, type ThreadPresence, judgePresence } from './liveness.js';
import { lastErrno, libcFunction, optionalLibcFunction } from './native.js';
import { syscallNumbers } from './syscalls.js';

const _SC_NPROCESSORS_ONLN = 84;
const _SC_LEVEL1_DCACHE_LINESIZE = 190;

let cachedPageSize: number | undefined;

/**
 * The page size in bytes: AT_PAGESZ from getauxval, else /proc/self/auxv. Cached.
 * @throws SysError ERR_UNSUPPORTED_PLATFORM / ERR_NATIVE_UNAVAILABLE when neither source works.
 */
export function pageSize(): number {
  if (cachedPageSize !== undefined) return cachedPageSize;
  let size = 0n;
  try {
    size = getauxval(AT_PAGESZ);
  } catch (error) {
    size = readProcAuxv()?.get(AT_PAGESZ) ?? 0n;
    if (size === 0n) throw error;
  }
  cachedPageSize = Number(size);
  return cachedPageSize;
}

/** `sysconf(name)`; -1 when the name is unknown or unsupported. */
export function sysconf(name: number): number {
  return Number(libcFunction('long sysconf(int name)')(name));
}

/** The L1 data cache line size in bytes; 64 when the system does not say. */
export function cacheLineSize(): number {
  const size = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
  // Some kernels and containers report 0 or -1; a line must be a power of two.
  return size > 0 && (size & (size - 1)) === 0 ? size : 64;
}

/** The number of online CPUs (at least 1). */
export function onlineCpus(): number {
  return Math.max(1, sysconf(_SC_NPROCESSORS_ONLN));
}

/** The kernel thread id of the calling thread (equal to the pid on the main thread). */
export function gettid(): number {
  const fromLibc = optionalLibcFunction('int gettid(void)');
  if (fromLibc) return fromLibc() as number;
  const numbers = syscallNumbers();
  if (!numbers) {
    throw new SysError('ERR_UNSUPPORTED_PLATFORM', 'gettid', `no gettid syscall number known for ${process.arch}`);
  }
  const result = Number(libcFunction('long syscall(long number)')(numbers.gettid));
  if (result < 0) throw errnoError('gettid', lastErrno());
  return result;
}

/**
 * Whether thread `tid` exists in this process, from tgkill(getpid(), tid, 0): no signal is
 * sent, the kernel only checks. `'gone'` only when the kernel answers ESRCH about `tid` and
 * answers 0 about the calling thread (a filter that forges ESRCH forges it for the caller
 * too); `'unknown'` when it cannot be asked or the answer cannot be trusted (no native
 * calls, a seccomp filter, EPERM). Never throws.
 */
export function threadPresence(tid: number): ThreadPresence {
  if (!Number.isSafeInteger(tid) || tid <= 0) return 'unknown';
  return judgePresence(askTgkill(tid), () => {
    let self: number;
    try {
      self = gettid();
    } catch {
      return 'failed';
    }
    return askTgkill(self);
  });
}

/** tgkill(getpid(), tid, 0), through libc's wrapper or the raw syscall. Never throws. */
function askTgkill(tid: number): TgkillAnswer {
  try {
    const tgkill = optionalLibcFunction('int tgkill(int tgid, int tid, int sig)');
    let result: number;
    if (tgkill) result = tgkill(process.pid, tid, 0) as number;
    else {
      const numbers = syscallNumbers();
      if (!numbers) return 'failed';
      result = Number(libcFunction('long syscall(long number, long first, long second, long third)')(numbers.tgkill, process.pid, tid, 0));
    }
    return { result, errno: result === 0 ? 0 : lastErrno() };
  } catch {
    return 'failed';
  }
}
