// The live query: resolve vgetrandom in this process's vDSO, call it once with
// (NULL, 0, 0, &params, ~0UL), and judge the answer. Every way this can fail is an
// outcome with a reason, never an exception: callers fall back to the syscall.
import {
  type Address,
  SysError,
  decodeFunction,
  errnoName,
  errnoValue,
  nativeAvailability,
  pageSize as livePageSize,
  sizeMax,
} from '@vgetrandom/sys';
import { type GetrandomSymbol, getrandomSymbolFor, locateVdso, resolveVdsoSymbol } from '@vgetrandom/vdso';
import { type InvalidParamsCheck, OPAQUE_PARAMS_SIZE, type OpaqueParams, decodeOpaqueParams, validateOpaqueParams } from './decode.js';

/** The C prototype of vDSO getrandom, for decodeFunction. */
export const VGETRANDOM_PROTOTYPE =
  'long vgetrandom(void *buffer, size_t length, unsigned int flags, void *opaque_state, size_t opaque_length)';

/** vgetrandom as a JS function; returns a byte count or a negative errno. Synchronous. */
export type VgetrandomFunction = (
  buffer: ArrayBufferView | Address | null,
  length: number,
  flags: number,
  opaqueState: ArrayBufferView | Address | null,
  opaqueLength: number | bigint,
) => number | bigint;

/** The resolved vDSO function: where it is, which symbol, and the decoded callable. */
export interface VgetrandomBinding {
  readonly address: Address;
  readonly symbol: GetrandomSymbol;
  readonly call: VgetrandomFunction;
}

/** Why vDSO getrandom cannot be used here; each means "use the syscall". */
export type UnsupportedReason =
  | 'unsupported-platform'
  | 'unsupported-arch'
  | 'no-vdso'
  | 'no-symbol'
  | 'enosys'
  | 'query-failed'
  | 'invalid-params'
  /** For now only: other threads held the native-setup lock too long (an overloaded machine). Ask again later. */
  | 'native-busy'
  /** For now only: this worker is being terminated. */
  | 'thread-terminating';

/** The outcome of discovery on a host that cannot use vDSO getrandom. */
export interface ParamsUnsupported {
  readonly supported: false;
  readonly reason: UnsupportedReason;
  /** One sentence for a human: what was missing and what that means. */
  readonly detail: string;
  /** For `query-failed` and `enosys`: the errno name the query returned. */
  readonly errno?: string;
  /** For `invalid-params`: which check failed. */
  readonly check?: InvalidParamsCheck;
}

/** The outcome of discoverParams(): the params and the binding, or the reason there are none. */
export type ParamsDiscovery =
  | {
      readonly supported: true;
      readonly params: OpaqueParams;
      readonly pageSize: number;
      readonly vgetrandom: VgetrandomBinding;
      readonly warnings: readonly string[];
    }
  | ParamsUnsupported;

/** What discovery needs from the host; tests replace any of it. */
export interface DiscoveryEnvironment {
  readonly arch: string;
  /** Why native calls cannot work here, or undefined when they can. */
  readonly nativeUnavailable: () => string | undefined;
  readonly pageSize: () => number;
  /** A symbol resolver over this process's vDSO, or undefined when it has none. */
  readonly locate: () => { resolve(name: string, version: string): Address | undefined } | undefined;
  readonly bind: (address: Address) => VgetrandomFunction;
  /** ~0UL for this ABI. */
  readonly sizeMax: () => bigint;
}

const liveEnvironment: DiscoveryEnvironment = {
  arch: process.arch,
  nativeUnavailable: () => {
    const availability = nativeAvailability();
    return availability.available ? undefined : availability.reason;
  },
  pageSize: livePageSize,
  locate: () => {
    const vdso = locateVdso();
    if (!vdso) return undefined;
    return { resolve: (name, version) => resolveVdsoSymbol(name, version) };
  },
  bind: (address) => decodeFunction(address, VGETRANDOM_PROTOTYPE) as VgetrandomFunction,
  sizeMax,
};

let cached: ParamsDiscovery | undefined;

/**
 * Asks the kernel how to allocate vgetrandom states, as a libc does at startup.
 * Without arguments the live result is computed once and cached; pass an
 * environment (any part of it) to run discovery against fakes, uncached.
 * Never throws.
 */
export function discoverParams(environment?: Partial<DiscoveryEnvironment>): ParamsDiscovery {
  if (environment === undefined) {
    if (cached) return cached;
    const outcome = discover(liveEnvironment);
    // A refusal for now is not the host's answer: the next call asks again.
    if (outcome.supported || !isForNow(outcome.reason)) cached = outcome;
    return outcome;
  }
  return discover({ ...liveEnvironment, ...environment });
}

function isForNow(reason: UnsupportedReason): boolean {
  return reason === 'native-busy' || reason === 'thread-terminating';
}

function discover(environment: DiscoveryEnvironment): ParamsDiscovery {
  try {
    return discoverOnce(environment);
  } catch (error) {
    // Native setup refused for now (see @vgetrandom/sys's termination guard); anything
    // else is a bug and propagates.
    if (error instanceof SysError && error.code === 'ERR_NATIVE_BUSY') return unsupported('native-busy', error.message);
    if (error instanceof SysError && error.code === 'ERR_THREAD_TERMINATING') return unsupported('thread-terminating', error.message);
    throw error;
  }
}

/** Rethrows what the native side refused for now, so discover() can say so. */
function refusedForNow(error: unknown): void {
  if (error instanceof SysError && (error.code === 'ERR_NATIVE_BUSY' || error.code === 'ERR_THREAD_TERMINATING')) throw error;
}

function discoverOnce(environment: DiscoveryEnvironment): ParamsDiscovery {
  const symbol = getrandomSymbolFor(environment.arch);
  if (symbol === undefined) {
    return unsupported('unsupported-arch', `no vDSO getrandom is defined for ${environment.arch}; use the syscall`);
  }
  if (symbol.syscallOnly) {
    return unsupported(
      'unsupported-arch',
      `${environment.arch} reports vDSO errors in a CPU flag an FFI call cannot read; use the syscall`,
    );
  }
  const why = environment.nativeUnavailable();
  if (why !== undefined) return unsupported('unsupported-platform', why);

  let resolver;
  try {
    resolver = environment.locate();
  } catch (error) {
    refusedForNow(error);
    return unsupported('no-vdso', `the vDSO could not be read: ${(error as Error).message}`);
  }
  if (resolver === undefined) return unsupported('no-vdso', 'this process has no vDSO (AT_SYSINFO_EHDR is 0)');

  let address;
  try {
    address = resolver.resolve(symbol.name, symbol.version);
  } catch (error) {
    refusedForNow(error);
    return unsupported('no-symbol', `the vDSO's symbol tables are unreadable: ${(error as Error).message}`);
  }
  if (address === undefined) {
    return unsupported(
      'no-symbol',
      `the vDSO does not export ${symbol.name}@${symbol.version}: the kernel predates ${symbol.since} or lacks it on this CPU`,
    );
  }

  const call = environment.bind(address);
  const out = new Uint8Array(OPAQUE_PARAMS_SIZE);
  // opaque_len must be ~0UL with every bit set: a 32-bit ~0U is taken as an ordinary
  // length, the call quietly falls back to the syscall and returns 0 with out untouched.
  const returnValue = Number(call(null, 0, 0, out, environment.sizeMax()));
  if (returnValue < 0) {
    const name = errnoName(-returnValue);
    if (-returnValue === errnoValue('ENOSYS')) {
      return { ...unsupported('enosys', 'the params query returned -ENOSYS: this CPU lacks what the vDSO needs; use the syscall'), errno: name };
    }
    return { ...unsupported('query-failed', `the params query returned -${name}`), errno: name };
  }

  const pageSize = environment.pageSize();
  const params = decodeOpaqueParams(out);
  const validation = validateOpaqueParams(params, { pageSize, returnValue });
  if (!validation.valid) {
    return { ...unsupported('invalid-params', validation.message), check: validation.check };
  }
  return {
    supported: true,
    params,
    pageSize,
    vgetrandom: { address, symbol, call },
    warnings: validation.warnings,
  };
}

function unsupported(reason: UnsupportedReason, detail: string): ParamsUnsupported {
  return { supported: false, reason, detail };
}
