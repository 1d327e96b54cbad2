// The only module in the repository that touches koffi. koffi is loaded lazily and
// at most once, so importing @vgetrandom/sys never fails: on a host where koffi or
// libc cannot be loaded, each call throws a SysError that says why.
//
// Every step that makes koffi create JavaScript objects (loading the addon, opening libc,
// declaring a function, decoding a pointer, viewing memory) runs inside the termination
// guard (termination-guard.ts): koffi aborts the whole process when a worker is terminated
// in the middle of one of them.
import { createRequire } from 'node:module';
import { SysError } from './errors.js';
import { type LibcChoice, detectLibc } from './libc.js';
import { withTerminationGuard } from './termination-guard.js';

type Koffi = typeof import('koffi');
type LibraryHandle = ReturnType<Koffi['load']>;
/** A function declared through koffi; call it like a JS function. */
export type NativeFunction = ((...args: any[]) => any) & { readonly info?: unknown };

/** Whether native calls can work here, and if not, why. */
export type NativeAvailability =
  | { readonly available: true }
  | {
      readonly available: false;
      /**
       * ERR_NATIVE_BUSY and ERR_THREAD_TERMINATING are for now only (a later call may succeed);
       * the others are for good. ERR_UNGUARDED_THREAD: a worker that no guard can protect
       * while koffi sets up (termination-guard.ts), so koffi is not loaded there.
       */
      readonly code: 'ERR_UNSUPPORTED_PLATFORM' | 'ERR_NATIVE_UNAVAILABLE' | 'ERR_NATIVE_BUSY' | 'ERR_THREAD_TERMINATING' | 'ERR_UNGUARDED_THREAD';
      readonly reason: string;
    };

interface Loaded {
  readonly koffi: Koffi;
  readonly libc: LibraryHandle;
  readonly libcChoice: LibcChoice;
}

declare const require: NodeJS.Require | undefined;

/**
 * koffi, resolved from where this code runs: beside this module in a normal install; beside
 * the bundle when an esbuild/webpack CJS bundle has no import.meta.url (its own `require`).
 * koffi cannot be bundled itself (it loads a platform binary at run time), so a bundle MUST
 * keep it external and ship it.
 */
function requireKoffi(): Koffi {
  const url = (import.meta as { url?: string }).url;
  const resolve = typeof url === 'string' ? createRequire(url) : typeof require === 'function' ? require : createRequire(`${process.cwd()}/`);
  return resolve('koffi') as Koffi;
}

/** Why koffi or libc could not be loaded, in words that say what to do. */
function loadFailure(cause: unknown, libc: LibcChoice | undefined): string {
  const error = cause as NodeJS.ErrnoException;
  const where = (import.meta as { url?: string }).url ?? process.argv[1] ?? process.cwd();
  if (error?.code === 'MODULE_NOT_FOUND' && /'koffi'/.test(error.message)) {
    return `koffi was not found from ${where}: a bundle must mark 'koffi' as external and ship node_modules/koffi with its platform package (@koromix/koffi-${process.platform}-${process.arch}) beside it`;
  }
  if (libc !== undefined && !/koffi/i.test(error?.message ?? '')) {
    return `could not open the C library ${libc.path} (${libc.kind}, found from ${libc.source}): ${error?.message}`;
  }
  return `could not load koffi (${error?.message}); reinstall with optional dependencies enabled (koffi's platform binary is an optional dependency)`;
}

/** The C library koffi opened (or would open): glibc's libc.so.6 or musl's ld-musl-<arch>.so.1. */
export function libcInUse(): LibcChoice {
  return loaded?.libcChoice ?? detectLibc();
}

let loaded: Loaded | undefined;
let failure: SysError | undefined;

function load(): Loaded {
  if (loaded !== undefined) return loaded;
  if (failure !== undefined) throw failure;
  if (process.platform !== 'linux') {
    failure = new SysError(
      'ERR_UNSUPPORTED_PLATFORM',
      'load',
      `@vgetrandom/sys needs Linux; this host is ${process.platform}. Use node:crypto instead.`,
    );
    throw failure;
  }
  let libcChoice: LibcChoice | undefined;
  try {
    loaded = withTerminationGuard(() => {
      const koffi = requireKoffi();
      // koffi maps a 2 MiB call stack and a 1 MiB heap per thread at its first load() and
      // never unmaps them, also when the worker ends (3.3.4: InitModule's InstanceData is
      // never deleted). Our calls need little of either (no callbacks, no large structs).
      configureMemory(koffi);
      libcChoice = detectLibc();
      const libc = koffi.load(libcChoice.path);
      // Declared now, under the guard, rather than at first use.
      for (const declaration of EAGER_DECLARATIONS) declared.set(declaration, libc.func(declaration) as NativeFunction);
      for (const declaration of OPTIONAL_DECLARATIONS) {
        try {
          declared.set(declaration, libc.func(declaration) as NativeFunction);
        } catch {
          declared.set(declaration, null);
        }
      }
      return { koffi, libc, libcChoice: libcChoice! };
    });
    return loaded;
  } catch (cause) {
    // Not for good: a worker being stopped, or a parent that has not recorded it yet. Nothing is cached.
    if (cause instanceof SysError && (cause.code === 'ERR_THREAD_TERMINATING' || cause.code === 'ERR_NATIVE_BUSY')) throw cause;
    // For good, as it is: this worker's coverage never changes.
    if (cause instanceof SysError && cause.code === 'ERR_UNGUARDED_THREAD') {
      failure = cause;
      throw failure;
    }
    failure = new SysError(
      'ERR_NATIVE_UNAVAILABLE',
      'load',
      loadFailure(cause, libcChoice),
      { cause },
    );
    throw failure;
  }
}

/** koffi's per-thread call stack and heap (its defaults: 2 MiB and 1 MiB), set before its first load(). */
export const KOFFI_MEMORY = { sync_stack_size: 256 * 1024, sync_heap_size: 128 * 1024 } as const;

function configureMemory(koffi: Koffi): void {
  try {
    koffi.config({ ...koffi.config(), ...KOFFI_MEMORY });
  } catch {
    // Another copy of this package (or the application) loaded a library with koffi on this
    // thread first: the sizes are set for good, and theirs are as safe as koffi's defaults.
  }
}

/** Whether native calls work on this host, and if not, why. Never throws. */
export function nativeAvailability(): NativeAvailability {
  try {
    load();
    return { available: true };
  } catch (error) {
    const sysError = error as SysError;
    return {
      available: false,
      code: sysError.code as Extract<NativeAvailability, { available: false }>['code'],
      reason: sysError.message,
    };
  }
}

export function koffi(): Koffi {
  return load().koffi;
}

const declared = new Map<string, NativeFunction | null>();

/** Every libc function the package calls, declared when koffi loads. */
const EAGER_DECLARATIONS = [
  'unsigned long getauxval(unsigned long type)',
  'void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)',
  'int munmap(void *addr, size_t length)',
  'int madvise(void *addr, size_t length, int advice)',
  'long sysconf(int name)',
  'long syscall(long number)',
  'long syscall(long number, void *buffer, size_t length, unsigned int flags)',
  'long syscall(long number, long first, long second, long third)',
  'int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, const char *name)',
];
/** Declared when libc has them: glibc added both wrappers in 2.30 (its NEWS for 2.30). */
const OPTIONAL_DECLARATIONS = ['int gettid(void)', 'int tgkill(int tgid, int tid, int sig)'];

/** A libc function, declared once (when koffi loads, for the ones the package uses). */
export function libcFunction(declaration: string): NativeFunction {
  const known = declared.get(declaration);
  if (known) return known;
  const { libc } = load();
  const fn = withTerminationGuard(() => libc.func(declaration) as NativeFunction);
  declared.set(declaration, fn);
  return fn;
}

/** Like libcFunction, but returns undefined when libc lacks the symbol. */
export function optionalLibcFunction(declaration: string): NativeFunction | undefined {
  return declareOnce(load().libc, declared, declaration);
}

/**
 * `library`'s function by prototype, declared once under the termination guard and kept in
 * `cache` (null: the library lacks it, and undefined is returned). A guard refusal is thrown.
 */
function declareOnce(library: { func(prototype: string): unknown }, cache: Map<string, NativeFunction | null>, prototype: string): NativeFunction | undefined {
  if (cache.has(prototype)) return cache.get(prototype) ?? undefined;
  try {
    const fn = withTerminationGuard(() => library.func(prototype) as NativeFunction);
    cache.set(prototype, fn);
    return fn;
  } catch (error) {
    if (error instanceof SysError) throw error;
    cache.set(prototype, null);
    return undefined;
  }
}

/** The calling thread's errno, read right after a failed call. */
export function lastErrno(): number {
  return load().koffi.errno();
}

/** SIZE_MAX of this process's C ABI: `~0UL` as a BigInt (all 64 bits set on 64-bit hosts). */
export function sizeMax(): bigint {
  return (1n << BigInt(8 * load().koffi.sizeof('size_t'))) - 1n;
}

/** A shared object opened with koffi: its functions, declared by C prototype. */
export interface SharedLibrary {
  /** The path it was opened from. */
  readonly path: string;
  /** The function `prototype` names (e.g. `'void *vgr_alloc(void)'`), or undefined when the library lacks the symbol. */
  optional(prototype: string): NativeFunction | undefined;
  /** Like optional(), but a missing symbol is ERR_SYMBOL_MISSING naming it. */
  required(prototype: string): NativeFunction;
}

/**
 * Opens a shared object (dlopen through koffi) so that a caller outside this package can call
 * its C functions without importing koffi: the fuzz tool's `--allocator-lib`.
 * @throws SysError ERR_LIBRARY_UNAVAILABLE when it cannot be opened (the loader's reason, e.g. a missing file or a wrong ELF class).
 */
export function openSharedLibrary(path: string): SharedLibrary {
  if (typeof path !== 'string' || path.length === 0) throw new SysError('ERR_LIBRARY_UNAVAILABLE', 'dlopen', `a shared library is named by a path (got ${typeof path === 'string' ? 'an empty string' : typeof path})`);
  const { koffi } = load();
  let library: ReturnType<Koffi['load']>;
  try {
    library = withTerminationGuard(() => koffi.load(path));
  } catch (cause) {
    if (cause instanceof SysError) throw cause;
    throw new SysError('ERR_LIBRARY_UNAVAILABLE', 'dlopen', `could not open ${path}: ${(cause as Error).message}`, { cause });
  }
  const functions = new Map<string, NativeFunction | null>();
  const optional = (prototype: string): NativeFunction | undefined => declareOnce(library, functions, prototype);
  return {
    path,
    optional,
    required(prototype) {
      const fn = optional(prototype);
      if (fn === undefined) throw new SysError('ERR_SYMBOL_MISSING', 'dlsym', `${path} does not export the function of '${prototype}'`);
      return fn;
    },
  };
}
