// @vgetrandom/sys: the libc calls vDSO getrandom needs, as typed functions.
// The only package of the project that loads koffi.
export { type Address, NULL_ADDRESS, toAddress } from './address.js';
export {
  AT_CLKTCK,
  AT_HWCAP,
  AT_HWCAP2,
  AT_MINSIGSTKSZ,
  AT_NULL,
  AT_PAGESZ,
  AT_RANDOM,
  AT_SYSINFO_EHDR,
  getauxval,
  parseAuxv,
  readProcAuxv,
} from './auxv.js';
export { SysError, type SysErrorCode, errnoError, errnoName, errnoValue } from './errors.js';
export { decodeFunction } from './functions.js';
export {
  MADV_DONTNEED,
  MADV_NORMAL,
  MADV_PAGEOUT,
  MADV_WIPEONFORK,
  MAP_ANONYMOUS,
  MAP_DROPPABLE,
  MAP_FIXED,
  MAP_HUGETLB,
  MAP_LOCKED,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_TYPE,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  addressOf,
  madvise,
  mmap,
  munmap,
  nameMapping,
  readMemory,
} from './memory.js';
export { type LibcChoice, detectLibc, libcFromInterpreter, libcFromMaps, programInterpreter } from './libc.js';
export { type NativeAvailability, type NativeFunction, type SharedLibrary, lastErrno, libcInUse, nativeAvailability, openSharedLibrary, sizeMax } from './native.js';
export { GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM, getrandomSyscall } from './random.js';
export { syscallNumbers } from './syscalls.js';
export { guardCoverage, guardRecordsInUse, withTerminationGuard } from './termination-guard.js';
export { type TgkillAnswer, type ThreadPresence, judgePresence } from './liveness.js';
export { cacheLineSize, gettid, onlineCpus, pageSize, sysconf, threadPresence } from './system.js';
