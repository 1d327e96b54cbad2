// The only module in the repository that touches koffi. koffi is loaded lazily and
// at most once, so importing @vgetrandom/sys never fails: on a host where koffi or
// libc cannot be loaded, each call throws a SysError that says why.
import { createRequire } from 'node:module';
import { SysError } from './errors.js';

type Koffi = typeof import('koffi');
type LibraryHandle = ReturnType<Koffi['load']>;
/** A function declared through koffi; call it like a JS function. */
export type NativeFunction = ((...args: any[]) => any) & { readonly info?: unknown };

/** Whether native calls can work here, and if not, why. */
export type NativeAvailability =
  | { readonly available: true }
  | { readonly available: false; readonly code: 'ERR_UNSUPPORTED_PLATFORM' | 'ERR_NATIVE_UNAVAILABLE'; readonly reason: string };

interface Loaded {
  readonly koffi: Koffi;
  readonly libc: LibraryHandle;
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
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    const libc = koffi.load('libc.so.6');
    loaded = { koffi, libc };
    return loaded;
  } catch (cause) {
    failure = new SysError(
      'ERR_NATIVE_UNAVAILABLE',
      'load',
      `could not load koffi or libc.so.6 (${(cause as Error).message}); reinstall with optional dependencies enabled`,
      { cause },
    );
    throw failure;
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
      code: sysError.code as 'ERR_UNSUPPORTED_PLATFORM' | 'ERR_NATIVE_UNAVAILABLE',
      reason: sysError.message,
    };
  }
}

export function koffi(): Koffi {
  return load().koffi;
}

const declared = new Map<string, NativeFunction | null>();

/** Declares a libc function once, at first use. */
export function libcFunction(declaration: string): NativeFunction {
  const known = declared.get(declaration);
  if (known) return known;
  const fn = load().libc.func(declaration) as NativeFunction;
  declared.set(declaration, fn);
  return fn;
}

/** Like libcFunction, but returns undefined when libc lacks the symbol. */
export function optionalLibcFunction(declaration: string): NativeFunction | undefined {
  if (declared.has(declaration)) return declared.get(declaration) ?? undefined;
  const { libc } = load();
  try {
    const fn = libc.func(declaration) as NativeFunction;
    declared.set(declaration, fn);
    return fn;
  } catch {
    declared.set(declaration, null);
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
