// The engine behind every function of the package: picks a backend at first use (never
// at import), gives this thread its own vgetrandom state, and turns short counts and
// negative errnos into complete fills or GetrandomErrors, in one place.
//
//   auto: vdso (params + a state from the pool) -> syscall -> node:crypto
//
// States of an engine, and what moves it:
//
//   unselected --first fill--> vdso | syscall | crypto      (or failed: a forced backend is missing)
//   vdso    --vDSO error that is not the caller's--> syscall (auto; forced: throws)
//   syscall --syscall error that is not the caller's--> crypto (auto; forced: throws)
//   syscall --retry time reached, a state is had--> vdso    (only after a transient refusal:
//                                                             mmap denied or failed, pool full)
//   vdso    --worker exit hook--> syscall, for good          (no state is taken after the hook)
//
// Every step down is recorded with its reason in backendInfo().fallbacks.
import type { randomFillSync as cryptoRandomFillSync } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { type ParamsDiscovery, type VgetrandomFunction, discoverParams } from '@vgetrandom/params';
import { MmapPageSource, type PageSource, type StateHandle } from '@vgetrandom/slab';
import { type Address, type NativeAvailability, SysError, addressOf, errnoName, getrandomSyscall, nativeAvailability, syscallNumbers, toAddress } from '@vgetrandom/sys';
import { type Backend, type BackendName, type SyscallFunction, cryptoBackend, syscallBackend, vdsoBackend } from './backends.js';
import { GetrandomError } from './errors.js';
import { PoolUnavailable, type StatePool, privatePool, processPool } from './pool.js';
import { bytesOfView, copyInto, realByteLength } from './views.js';

/** What VGETRANDOM_BACKEND (or `environment.backend`) asks for. */
export type BackendRequest = 'auto' | BackendName;

/** A backend that was skipped, and why. */
export interface Fallback {
  /** The backend that was skipped. */
  readonly backend: 'vdso' | 'syscall';
  /** `'no-vdso'`, `'no-symbol'`, `'enosys'`, `'mmap-denied: EPERM'`, `'vdso-error: EFAULT'`, `'syscall-error: ENOSYS'`, ... */
  readonly reason: string;
  readonly detail: string;
}

/** Why no backend serves this thread: every call throws a GetrandomError with this code. */
export interface BackendSelectionError {
  /**
   * `ERR_INVALID_BACKEND`: VGETRANDOM_BACKEND is not an accepted value; `ERR_BACKEND_UNAVAILABLE`:
   * the forced backend is missing here (see `fallbacks`); `ERR_ENGINE_DISPOSED`: dispose() was
   * called; `ERR_BACKEND_SELECTION`: selection
   * failed unexpectedly (a bug: please report the message).
   */
  readonly code: 'ERR_INVALID_BACKEND' | 'ERR_BACKEND_UNAVAILABLE' | 'ERR_ENGINE_DISPOSED' | 'ERR_BACKEND_SELECTION';
  readonly message: string;
  /** The value that was given, for ERR_INVALID_BACKEND. */
  readonly value?: string;
  /** The values VGETRANDOM_BACKEND accepts, exactly as written. */
  readonly accepted: readonly BackendRequest[];
}

/** What backendInfo() reports. Never throws: a failed selection is reported in `error`. */
export interface BackendInfo {
  /** `'none'` when no backend can serve (then `error` says why, and every call throws). */
  readonly backend: BackendName | 'none';
  /** `'invalid'` when VGETRANDOM_BACKEND is not an accepted value (see `error.value`). */
  readonly requested: BackendRequest | 'invalid';
  readonly error?: BackendSelectionError;
  readonly fallbacks: readonly Fallback[];
  /** This thread's vgetrandom state, on the vdso backend. */
  readonly state?: { readonly address: bigint; readonly size: number; readonly pool: 'private' | 'shared'; readonly poolNote?: string };
  /** When a transient refusal (mmap denied or failed, pool full) keeps this thread off the vDSO: when it tries again. */
  readonly retry?: { readonly at: number; readonly inMs: number; readonly attempts: number };
}

/** Everything the engine takes from the host; tests replace parts of it. */
export interface EngineEnvironment {
  /** Default: VGETRANDOM_BACKEND, else 'auto'. An empty value means 'auto'. */
  readonly backend?: string;
  readonly nativeAvailability?: () => NativeAvailability;
  readonly discoverParams?: () => ParamsDiscovery;
  readonly createPageSource?: (params: { mmapProt: number; mmapFlags: number }) => PageSource;
  /**
   * Default: the process-wide shared pool. May throw PoolUnavailable: the main thread then
   * uses a private pool, a worker the syscall (a worker's private pages would leak when it is
   * terminated).
   */
  readonly createPool?: (stateSize: number, source: PageSource) => StatePool;
  readonly syscall?: SyscallFunction;
  readonly randomFillSync?: typeof cryptoRandomFillSync;
  /** Whether this engine runs on a worker (its state is returned at exit). Default: !isMainThread. */
  readonly onWorker?: boolean;
  /** The clock for retry times. Default: Date.now. */
  readonly now?: () => number;
  /**
   * The native address of the engine's scratch, passed to the vDSO function in place of a
   * view. Default: sys's addressOf. Return undefined to always pass the view (a fake vDSO
   * in tests writes only through views).
   */
  readonly resolveAddress?: (bytes: Uint8Array) => Address | undefined;
}

/** Backend selection, per-thread state and complete fills, behind every public function. */
export interface Engine {
  /**
   * Fills the first `length` bytes of `view` completely. `length` MUST fit the view's real
   * byteLength (its internal slot, not its properties).
   * @throws GetrandomError EFAULT when it does not, or `view` is not a typed array or DataView
   */
  fill(view: ArrayBufferView, length: number, flags: number): void;
  /**
   * Fills `target` (a Uint8Array of at most SCRATCH_BYTES real bytes) through this engine's
   * off-heap scratch, then wipes the scratch: a small array still on the V8 heap is never
   * moved off it, which costs more than the fill. `length` MUST be the target's real length.
   */
  fillSmall(target: Uint8Array, length: number, flags: number): void;
  /**
   * The first `length` (at most SCRATCH_BYTES) bytes of this engine's scratch, filled. The
   * caller MUST read them and then wipe them (`wipeScratch(length)`) before returning to its
   * caller: no random byte outlives a call (decision 0001).
   */
  fillScratch(length: number, flags: number): Uint8Array;
  /** Zeroes the first `length` (at most SCRATCH_BYTES) bytes of the scratch. */
  wipeScratch(length: number): void;
  /** A copy of the whole scratch: tests check that it is all zero between calls. */
  scratchSnapshot(): Uint8Array;
  info(): BackendInfo;
  /** Returns this thread's state to its pool; the next call takes a new one. */
  release(): void;
  /**
   * Returns the state for good: every later call throws GetrandomError ERR_ENGINE_DISPOSED.
   * An engine that is dropped without it returns its state when it is garbage-collected.
   */
  dispose(): void;
}

// Who returns an engine's state when the engine is gone. A Holding names the state and its
// pool and nothing of the engine, so it can outlive the engine: the FinalizationRegistry
// returns the state of an engine that was dropped, and the worker's exit hook (one per
// thread, not one per engine: a hook per engine would keep every engine alive) returns the
// state of every engine still alive when the worker ends.
interface Holding {
  pool?: StatePool;
  // invariant: set only while the engine uses the state; cleared before the state is released.
  state?: StateHandle;
  /** The engine's lifetime object (below); weak, so that it does not keep the engine alive. */
  readonly engine: WeakRef<{ readonly closeForExit: () => void }>;
}

function releaseHolding(holding: Holding): void {
  const { pool, state } = holding;
  // Cleared first: a release that throws must not leave the state to be released twice.
  holding.state = undefined;
  if (pool && state) pool.release(state);
}

const dropped = new FinalizationRegistry<Holding>((holding) => {
  workerHoldings.delete(holding);
  releaseHolding(holding);
});
const workerHoldings = new Set<Holding>();
let workerExitHookInstalled = false;

/** On a worker: at exit, every engine still alive stops using its state and returns it. */
function installWorkerExitHook(): void {
  if (workerExitHookInstalled) return;
  workerExitHookInstalled = true;
  process.once('exit', () => {
    for (const holding of workerHoldings) {
      const engine = holding.engine.deref();
      if (engine) engine.closeForExit();
      else releaseHolding(holding);
    }
    workerHoldings.clear();
  });
}

/** Bytes of the per-engine scratch: small fills, randomInt's 6 bytes, a UUID's 16. */
export const SCRATCH_BYTES = 64;

const EINTR = 4;
const EAGAIN = 11;
const EFAULT = 14;
const EINVAL = 22;
// The vDSO caps one call at INT_MAX & PAGE_MASK; larger requests come back short and we loop.

const requests: readonly BackendRequest[] = ['auto', 'vdso', 'syscall', 'crypto'];
/** After a transient refusal, the first retry comes after this long, then twice as long each time, up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 5000;

/**
 * The fallback reason for native code that cannot be used: `'unguarded-thread'` for a worker
 * that no guard can protect while koffi sets up (termination-guard.ts in sys),
 * `'native-unavailable'` for everything else.
 */
function nativeReason(code: string): string {
  return code === 'ERR_UNGUARDED_THREAD' ? 'unguarded-thread' : 'native-unavailable';
}

/**
 * Errors the caller's request causes (or asks to retry): they never move the engine to
 * another backend. EFAULT counts only from the syscall: from the vDSO it is about our
 * state (a straddling one), the buffer having been checked.
 */
function callersErrno(errno: number, backend: BackendName): boolean {
  return errno === EAGAIN || errno === EINVAL || errno === EINTR || (errno === EFAULT && backend !== 'vdso');
}

function outsideView(view: ArrayBufferView, length: number): GetrandomError {
  const real = realByteLength(view);
  const what = real < 0 ? 'not a typed array or DataView' : `a view of ${real} bytes`;
  return new GetrandomError('EFAULT', `cannot fill ${String(length)} bytes of ${what}: a fill must stay inside the view's real memory`, { errno: EFAULT });
}

/**
 * An engine: picks its backend at first use, never at creation.
 * Its fill() throws GetrandomError ERR_INVALID_BACKEND, ERR_BACKEND_UNAVAILABLE, EAGAIN, EINVAL, EIO,
 * and, on a forced backend only, the errno that backend failed with.
 */
export function createEngine(environment: EngineEnvironment = {}): Engine {
  const requestedRaw = environment.backend ?? (process.env['VGETRANDOM_BACKEND'] || 'auto');
  const now = environment.now ?? Date.now;
  const onWorker = environment.onWorker ?? !isMainThread;
  const syscall: SyscallFunction = environment.syscall ?? ((target, length, flags) => getrandomSyscall(target, length, flags));

  // The selected backend (undefined: not yet selected), or why selection failed for good.
  let backend: Backend | undefined;
  let selectionError: GetrandomError | undefined;
  let requested: BackendRequest = 'auto';
  let fallbacks: Fallback[] = [];
  // The vDSO side: its function and params once discovered, the pool, this thread's state.
  let vdso: { call: VgetrandomFunction; stateSize: number } | undefined;
  let pool: StatePool | undefined;
  let state: StateHandle | undefined;
  // The hot path: while the vdso backend is active, fill() calls the decoded function
  // directly with pre-resolved arguments, skipping the backend object.
  let vdsoCall: VgetrandomFunction | undefined;
  let vdsoState: Address = 0n as Address;
  let stateSize = 0;
  // Off-heap memory of our own (an ArrayBuffer larger than V8 keeps on its heap never moves),
  // with a view for every length, and its address once native calls work.
  const scratch = new Uint8Array(new ArrayBuffer(SCRATCH_BYTES * 2));
  // Wiped 8 bytes at a time (a stored +0 is 8 zero bytes): %TypedArray%.prototype.fill
  // costs about 25 ns a call before it writes a byte, more than a fill of 16 bytes through
  // the vDSO takes in C, and 2 stores for 16 bytes measured a few ns under 4.
  const scratchWords = new Float64Array(scratch.buffer);
  const scratchViews = Array.from({ length: SCRATCH_BYTES + 1 }, (_, length) => scratch.subarray(0, length));
  let scratchAddress: Address | undefined;
  // A transient refusal: when to try the vDSO again (undefined: no retry pending).
  let retryAt: number | undefined;
  let retryDelay = RETRY_FIRST_MS;
  let retryAttempts = 0;
  // Why this engine never takes a state again: the worker exit hook ran, the vDSO failed a
  // valid request, or dispose() was called.
  let vdsoClosed: 'exited' | 'abandoned' | 'disposed' | undefined;
  // Lives exactly as long as any function of this engine: every closure of createEngine
  // shares one context, which holds `lifetime` because dispose() refers to it. So it is the
  // registry's target, not the object returned (a caller may keep only `fill`, and the
  // state is in use until that is gone too).
  const lifetime = { closeForExit };
  const holding: Holding = { engine: new WeakRef(lifetime) };
  dropped.register(lifetime, holding, lifetime);
  if (onWorker) {
    workerHoldings.add(holding);
    installWorkerExitHook();
  }

  function select(): Backend {
    if (selectionError) throw selectionError;
    if (!(requests as readonly string[]).includes(requestedRaw)) {
      selectionError = new GetrandomError(
        'ERR_INVALID_BACKEND',
        `VGETRANDOM_BACKEND=${JSON.stringify(requestedRaw)} is not one of ${requests.join(', ')} (exactly so: lower case, no spaces); unset it for auto`,
      );
      throw selectionError;
    }
    requested = requestedRaw as BackendRequest;
    fallbacks = [];
    const chosen =
      requested === 'crypto' ? cryptoBackend(environment.randomFillSync) : tryVdso() ?? trySyscall() ?? cryptoBackend(environment.randomFillSync);
    if (requested !== 'auto' && chosen.name !== requested) {
      const why = fallbacks.map((fallback) => `${fallback.backend}: ${fallback.reason} (${fallback.detail})`).join('; ');
      selectionError = new GetrandomError('ERR_BACKEND_UNAVAILABLE', `VGETRANDOM_BACKEND=${requested} is unavailable here: ${why}`);
      retryAt = undefined;
      throw selectionError;
    }
    backend = chosen;
    return chosen;
  }

  function nativeProblem(): { reason: string; detail: string } | undefined {
    const availability = (environment.nativeAvailability ?? nativeAvailability)();
    return availability.available ? undefined : { reason: nativeReason(availability.code), detail: availability.reason };
  }

  /**
   * Native setup refused for now, not for good: other threads held the setup lock too long
   * (an overloaded machine; the vDSO is tried again later), or this worker is being
   * terminated (it will run little more; no retry). The call goes on with a fallback.
   */
  function refusedForNow(code: string, detail: string): undefined {
    const busy = code === 'ERR_NATIVE_BUSY';
    fallbacks.push({ backend: 'vdso', reason: busy ? 'native-busy' : 'thread-terminating', detail });
    if (busy) scheduleRetry();
    return undefined;
  }

  function scheduleRetry(): void {
    retryAt = now() + retryDelay;
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  function tryVdso(): Backend | undefined {
    if (requested === 'syscall' || vdsoClosed !== undefined) return undefined;
    if (vdso === undefined) {
      const availability = (environment.nativeAvailability ?? nativeAvailability)();
      if (!availability.available) {
        if (availability.code === 'ERR_NATIVE_BUSY' || availability.code === 'ERR_THREAD_TERMINATING') return refusedForNow(availability.code, availability.reason);
        fallbacks.push({ backend: 'vdso', reason: nativeReason(availability.code), detail: availability.reason });
        return undefined;
      }
      let discovery: ParamsDiscovery;
      try {
        discovery = (environment.discoverParams ?? discoverParams)();
      } catch (error) {
        if (error instanceof SysError && (error.code === 'ERR_NATIVE_BUSY' || error.code === 'ERR_THREAD_TERMINATING')) return refusedForNow(error.code, error.message);
        throw error;
      }
      if (!discovery.supported) {
        if (discovery.reason === 'native-busy') return refusedForNow('ERR_NATIVE_BUSY', discovery.detail);
        if (discovery.reason === 'thread-terminating') return refusedForNow('ERR_THREAD_TERMINATING', discovery.detail);
        fallbacks.push({ backend: 'vdso', reason: discovery.reason, detail: discovery.detail });
        return undefined;
      }
      const { params, vgetrandom } = discovery;
      const source = (environment.createPageSource ?? ((mmap) => new MmapPageSource(mmap)))(params);
      try {
        pool = (environment.createPool ?? processPool)(params.sizeOfOpaqueState, source);
      } catch (error) {
        const reason = error instanceof PoolUnavailable ? error.reason : 'pool-unavailable';
        if (onWorker) {
          fallbacks.push({ backend: 'vdso', reason, detail: (error as Error).message });
          return undefined;
        }
        // The main thread is never terminated, so its own pages cannot leak.
        pool = { ...privatePool(params.sizeOfOpaqueState, source), note: (error as Error).message };
      }
      vdso = { call: vgetrandom.call, stateSize: params.sizeOfOpaqueState };
    }
    return takeState();
  }

  /** This thread's state from the pool, or a fallback entry and a retry time. */
  function takeState(): Backend | undefined {
    const { call, stateSize: size } = vdso!;
    const taken = pool!.acquire();
    if (!('address' in taken)) {
      // Not permanent (memory may come back, a thread may exit). glibc 2.41 tries again on
      // every call (getrandom_vdso() leaves the thread's pointer NULL), Go 1.24 likewise
      // (vgetrandom() leaves mp.vgetrandomState 0); we back off instead of mapping per call.
      fallbacks.push({ backend: 'vdso', reason: taken.failure, detail: 'could not map memory for a vgetrandom state; the vDSO is tried again later' });
      scheduleRetry();
      return undefined;
    }
    retryAt = undefined;
    retryDelay = RETRY_FIRST_MS;
    state = taken;
    holding.pool = pool;
    holding.state = taken;
    stateSize = size;
    vdsoCall = call;
    vdsoState = toAddress(taken.address);
    scratchAddress ??= (environment.resolveAddress ?? addressOf)(scratch);
    return vdsoBackend(call, vdsoState, stateSize);
  }

  /** The pending retry: back to the vDSO if a state can be had now. */
  function retryVdso(): void {
    retryAttempts += 1;
    // This attempt's outcome replaces the entry for the last refusal.
    for (let index = fallbacks.length - 1; index >= 0; index -= 1) {
      if (fallbacks[index]!.backend === 'vdso') {
        fallbacks.splice(index, 1);
        break;
      }
    }
    // Native setup may not have happened yet (it was refused for now): do it first.
    const recovered = vdso === undefined ? tryVdso() : takeState();
    if (recovered) backend = recovered;
  }

  function trySyscall(): Backend | undefined {
    if (requested === 'vdso') return undefined;
    const problem = environment.syscall ? undefined : nativeProblem();
    if (problem !== undefined) {
      fallbacks.push({ backend: 'syscall', ...problem });
      return undefined;
    }
    if (!environment.syscall && syscallNumbers() === undefined) {
      fallbacks.push({ backend: 'syscall', reason: 'unsupported-arch', detail: `no getrandom syscall number is known for ${process.arch}` });
      return undefined;
    }
    return syscallBackend(syscall);
  }

  /** A worker that ends normally returns its state; the main thread keeps it to the end. */
  function closeForExit(): void {
    // Calls in exit handlers that run after this one must not take a state that would
    // never be returned: they use the syscall (or node:crypto).
    close('exited');
    if (backend === undefined || backend.name === 'vdso') backend = trySyscall() ?? cryptoBackend(environment.randomFillSync);
  }

  /** Gives the state back; the next call takes another (release() of the Engine). */
  function dropState(): void {
    // Clear our references before the pool can hand the state to anyone else.
    state = undefined;
    vdsoCall = undefined;
    releaseHolding(holding);
  }

  function dispose(): void {
    if (vdsoClosed === 'disposed') return;
    close('disposed');
    backend = undefined;
    selectionError = new GetrandomError('ERR_ENGINE_DISPOSED', 'this engine was disposed (dispose()); create another with createEngine()');
    dropped.unregister(lifetime);
    workerHoldings.delete(holding);
  }

  function release(): void {
    dropState();
    if (backend?.name === 'vdso') backend = undefined;
  }

  /** No state is taken again by this engine. */
  function close(why: 'exited' | 'abandoned' | 'disposed'): void {
    vdsoClosed = why;
    retryAt = undefined;
    dropState();
  }

  /** Moves on from a backend that failed for a reason that is not the caller's (auto only). */
  function abandon(failed: Backend, errno: number): Backend {
    const name = errnoName(errno);
    if (requested !== 'auto') {
      throw new GetrandomError(name, `VGETRANDOM_BACKEND=${requested}: the ${failed.name} backend failed with ${name}`, { errno });
    }
    if (failed.name === 'vdso') {
      fallbacks.push({ backend: 'vdso', reason: `vdso-error: ${name}`, detail: `the vDSO returned -${name} for a valid request` });
      close('abandoned');
      backend = trySyscall() ?? cryptoBackend(environment.randomFillSync);
    } else {
      fallbacks.push({ backend: 'syscall', reason: `syscall-error: ${name}`, detail: `the getrandom syscall failed with ${name} (a sandbox may forbid it)` });
      retryAt = undefined;
      backend = cryptoBackend(environment.randomFillSync);
    }
    return backend;
  }

  function fill(view: ArrayBufferView, length: number, flags: number): void {
    // The one place native code is called: it writes `length` bytes at the view's real data
    // pointer, so `length` must fit the view's real extent, whatever its properties claim.
    if (!(length <= realByteLength(view) && length >= 0)) throw outsideView(view, length);
    const written = vdsoCall !== undefined ? (vdsoCall(view, length, flags, vdsoState, stateSize) as number) : slowFill(view, length, flags);
    if (written !== length) finish(view, length, flags, written);
  }

  function fillScratch(length: number, flags: number): Uint8Array {
    const view = scratchViews[length]!;
    try {
      if (vdsoCall !== undefined && scratchAddress !== undefined) {
        // The hot path: the vDSO writes at a pre-resolved address, no view is marshalled. A
        // short count or an errno goes to finish(), as from fill(): never a second call.
        const written = vdsoCall(scratchAddress, length, flags, vdsoState, stateSize) as number;
        if (written !== length) finish(view, length, flags, written);
      } else {
        fill(view, length, flags);
      }
    } catch (error) {
      // A failed or short fill may have left bytes in the scratch: none outlives the call.
      wipeScratch(length);
      throw error;
    }
    return view;
  }

  function wipeScratch(length: number): void {
    for (let word = 0, words = (length + 7) >>> 3; word < words; word += 1) scratchWords[word] = 0;
  }

  function fillSmall(target: Uint8Array, length: number, flags: number): void {
    const filled = fillScratch(length, flags);
    try {
      copyInto(target, filled);
    } finally {
      wipeScratch(length);
    }
  }

  /** Any backend but an active vDSO: selection, a pending retry, syscall or node:crypto. */
  function slowFill(view: ArrayBufferView, length: number, flags: number): number {
    if (retryAt !== undefined && now() >= retryAt) retryVdso();
    if (vdsoCall !== undefined) return vdsoCall(view, length, flags, vdsoState, stateSize) as number;
    return (backend ?? select()).fill(view, length, flags);
  }

  /** Short counts, EINTR and errors. */
  function finish(view: ArrayBufferView, length: number, flags: number, firstWritten: number): void {
    let current = backend ?? select();
    let written = firstWritten;
    let done = 0;
    let stalls = 0;
    let bytes: Uint8Array | undefined;
    for (;;) {
      if (written > 0) {
        done += written;
        if (done === length) return;
      } else if (written === 0) {
        if ((stalls += 1) > 8) throw new GetrandomError('EIO', `the ${current.name} backend keeps returning 0 bytes`, { errno: 5 });
      } else {
        const errno = -written;
        if (errno === EAGAIN) {
          throw new GetrandomError('EAGAIN', 'the kernel RNG is not ready yet and GRND_NONBLOCK was given; retry later', { errno });
        }
        if (errno === EINVAL) throw new GetrandomError('EINVAL', 'the kernel rejected the flags', { errno });
        if (errno === EFAULT && callersErrno(errno, current.name)) {
          throw new GetrandomError('EFAULT', `the ${current.name} backend could not write to the buffer`, { errno });
        }
        if (!callersErrno(errno, current.name)) current = abandon(current, errno);
      }
      bytes ??= bytesOfView(view, length);
      written = current.fill(bytes.subarray(done), length - done, flags);
    }
  }

  function info(): BackendInfo {
    let active: Backend;
    try {
      active = backend ?? select();
    } catch (error) {
      return unselectedInfo(error);
    }
    const at = retryAt;
    return {
      backend: active.name,
      requested,
      fallbacks: [...fallbacks],
      ...(active.name === 'vdso' && state && pool
        ? { state: { address: state.address, size: stateSize, pool: pool.kind, ...(pool.note ? { poolNote: pool.note } : {}) } }
        : {}),
      ...(at !== undefined ? { retry: { at, inMs: Math.max(0, at - now()), attempts: retryAttempts } } : {}),
    };
  }

  /** What info() says when selection threw: the calls throw the same; info() never does. */
  function unselectedInfo(error: unknown): BackendInfo {
    const code = error instanceof GetrandomError ? error.code : undefined;
    if (code === 'ERR_INVALID_BACKEND') {
      return { backend: 'none', requested: 'invalid', fallbacks: [], error: { code, message: (error as Error).message, value: requestedRaw, accepted: requests } };
    }
    if (code === 'ERR_ENGINE_DISPOSED') {
      return { backend: 'none', requested, fallbacks: [], error: { code, message: (error as Error).message, accepted: requests } };
    }
    if (code === 'ERR_BACKEND_UNAVAILABLE') {
      return { backend: 'none', requested, fallbacks: [...fallbacks], error: { code, message: (error as Error).message, accepted: requests } };
    }
    const message = `backend selection failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`;
    return { backend: 'none', requested, fallbacks: [...fallbacks], error: { code: 'ERR_BACKEND_SELECTION', message, accepted: requests } };
  }

  return { fill, fillSmall, fillScratch, wipeScratch, scratchSnapshot: () => scratch.slice(), info, release, dispose };
}
