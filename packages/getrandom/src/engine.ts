// The engine behind every function of the package: picks a backend at first use (never
// at import), gives this thread its own vgetrandom state, and turns short counts and
// negative errnos into complete fills or GetrandomErrors, in one place.
//
//   auto: vdso (params + a state from the slab) -> syscall -> node:crypto
//   every step that is skipped is recorded with its reason in backendInfo().fallbacks
import { randomFillSync as cryptoRandomFillSync } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { type ParamsDiscovery, type VgetrandomFunction, discoverParams } from '@vgetrandom/params';
import { MmapPageSource, type PageSource, type StateHandle } from '@vgetrandom/slab';
import { type Address, type NativeAvailability, errnoName, getrandomSyscall, nativeAvailability, syscallNumbers, toAddress } from '@vgetrandom/sys';
import { type Backend, type BackendName, type SyscallFunction, cryptoBackend, syscallBackend, vdsoBackend } from './backends.js';
import { GetrandomError } from './errors.js';
import { type StatePool, processPool } from './pool.js';
import { bytesOfView, realByteLength } from './views.js';

/** What VGETRANDOM_BACKEND (or `environment.backend`) asks for. */
export type BackendRequest = 'auto' | BackendName;

/** A backend that was skipped, and why. */
export interface Fallback {
  /** The backend that was skipped. */
  readonly backend: 'vdso' | 'syscall';
  /** `'no-vdso'`, `'no-symbol'`, `'enosys'`, `'mmap-denied: EPERM'`, `'vdso-error: EFAULT'`, ... */
  readonly reason: string;
  readonly detail: string;
}

/** What backendInfo() reports. */
export interface BackendInfo {
  readonly backend: BackendName;
  readonly requested: BackendRequest;
  readonly fallbacks: readonly Fallback[];
  /** This thread's vgetrandom state, on the vdso backend. */
  readonly state?: { readonly address: bigint; readonly size: number; readonly pool: 'private' | 'shared'; readonly poolNote?: string };
}

/** Everything the engine takes from the host; tests replace parts of it. */
export interface EngineEnvironment {
  /** Default: VGETRANDOM_BACKEND, else 'auto'. */
  readonly backend?: string;
  readonly nativeAvailability?: () => NativeAvailability;
  readonly discoverParams?: () => ParamsDiscovery;
  readonly createPageSource?: (params: { mmapProt: number; mmapFlags: number }) => PageSource;
  /** Default: the process-wide shared pool (a private one where it cannot be reached). */
  readonly createPool?: (stateSize: number, source: PageSource) => StatePool;
  readonly syscall?: SyscallFunction;
  readonly randomFillSync?: typeof cryptoRandomFillSync;
  /** Whether this engine runs on a worker (its state is returned at exit). Default: !isMainThread. */
  readonly onWorker?: boolean;
}

/** Backend selection, per-thread state and complete fills, behind every public function. */
export interface Engine {
  /**
   * Fills the first `length` bytes of `view` completely. `length` MUST fit the view's real
   * byteLength (its internal slot, not its properties).
   * @throws GetrandomError EFAULT when it does not, or `view` is not a typed array or DataView
   */
  fill(view: ArrayBufferView, length: number, flags: number): void;
  info(): BackendInfo;
  /** Returns this thread's state to its pool; the next call takes a new one. */
  release(): void;
}

const EINTR = 4;
const EAGAIN = 11;
const EINVAL = 22;
// The vDSO caps one call at INT_MAX & PAGE_MASK; larger requests come back short and we loop.

const requests: readonly string[] = ['auto', 'vdso', 'syscall', 'crypto'];


function outsideView(view: ArrayBufferView, length: number): GetrandomError {
  const real = realByteLength(view);
  const what = real < 0 ? 'not a typed array or DataView' : `a view of ${real} bytes`;
  return new GetrandomError('EFAULT', `cannot fill ${String(length)} bytes of ${what}: a fill must stay inside the view's real memory`, { errno: 14 });
}

/**
 * An engine: picks its backend at first use, never at creation.
 * Its fill() throws GetrandomError ERR_INVALID_BACKEND, ERR_BACKEND_UNAVAILABLE, EAGAIN, EINVAL, EIO.
 */
export function createEngine(environment: EngineEnvironment = {}): Engine {
  const requestedRaw = environment.backend ?? process.env['VGETRANDOM_BACKEND'] ?? 'auto';
  let backend: Backend | undefined;
  let selectionError: GetrandomError | undefined;
  let fallbacks: Fallback[] = [];
  let requested: BackendRequest = 'auto';
  let pool: StatePool | undefined;
  let state: StateHandle | undefined;
  let stateSize = 0;
  let exitHookInstalled = false;
  // The hot path: while the vdso backend is active, fill() calls the decoded function
  // directly with pre-resolved arguments, skipping the backend object.
  let vdsoCall: VgetrandomFunction | undefined;
  let vdsoState: Address = 0n as Address;

  const syscall: SyscallFunction = environment.syscall ?? ((target, length, flags) => getrandomSyscall(target, length, flags));

  function select(): Backend {
    if (selectionError) throw selectionError;
    if (!requests.includes(requestedRaw)) {
      selectionError = new GetrandomError(
        'ERR_INVALID_BACKEND',
        `VGETRANDOM_BACKEND=${requestedRaw} is not one of auto, vdso, syscall, crypto`,
      );
      throw selectionError;
    }
    requested = requestedRaw as BackendRequest;
    fallbacks = [];
    const chosen =
      requested === 'crypto' ? cryptoBackend(environment.randomFillSync) : tryVdso(requested === 'vdso') ?? trySyscall(requested === 'syscall') ?? cryptoBackend(environment.randomFillSync);
    if (requested !== 'auto' && chosen.name !== requested) {
      const why = fallbacks.map((fallback) => `${fallback.backend}: ${fallback.reason} (${fallback.detail})`).join('; ');
      selectionError = new GetrandomError('ERR_BACKEND_UNAVAILABLE', `VGETRANDOM_BACKEND=${requested} is unavailable here: ${why}`);
      throw selectionError;
    }
    backend = chosen;
    return chosen;
  }

  function nativeProblem(): string | undefined {
    const availability = (environment.nativeAvailability ?? nativeAvailability)();
    return availability.available ? undefined : availability.reason;
  }

  function tryVdso(forced: boolean): Backend | undefined {
    if (!forced && requested === 'syscall') return undefined;
    const problem = nativeProblem();
    if (problem !== undefined) {
      fallbacks.push({ backend: 'vdso', reason: 'native-unavailable', detail: problem });
      return undefined;
    }
    const discovery = (environment.discoverParams ?? discoverParams)();
    if (!discovery.supported) {
      fallbacks.push({ backend: 'vdso', reason: discovery.reason, detail: discovery.detail });
      return undefined;
    }
    const { params, vgetrandom } = discovery;
    const source = (environment.createPageSource ?? ((mmap) => new MmapPageSource(mmap)))(params);
    pool = (environment.createPool ?? processPool)(params.sizeOfOpaqueState, source);
    const taken = pool.acquire();
    if (!('address' in taken)) {
      // A sandbox may forbid the mmap; that only means the syscall (dhcpcd's lesson).
      fallbacks.push({ backend: 'vdso', reason: taken.failure, detail: 'could not map memory for a vgetrandom state' });
      pool = undefined;
      return undefined;
    }
    state = taken;
    stateSize = params.sizeOfOpaqueState;
    installExitHook();
    vdsoCall = vgetrandom.call;
    vdsoState = toAddress(taken.address);
    return vdsoBackend(vgetrandom.call, vdsoState, stateSize);
  }

  function trySyscall(forced: boolean): Backend | undefined {
    if (!forced && requested === 'vdso') return undefined;
    const problem = environment.syscall ? undefined : nativeProblem();
    if (problem !== undefined) {
      fallbacks.push({ backend: 'syscall', reason: 'native-unavailable', detail: problem });
      return undefined;
    }
    if (!environment.syscall && syscallNumbers() === undefined) {
      fallbacks.push({ backend: 'syscall', reason: 'unsupported-arch', detail: `no getrandom syscall number is known for ${process.arch}` });
      return undefined;
    }
    return syscallBackend(syscall);
  }

  function installExitHook(): void {
    // A worker that ends normally returns its state; the main thread keeps it to the end.
    const onWorker = environment.onWorker ?? !isMainThread;
    if (!onWorker || exitHookInstalled) return;
    exitHookInstalled = true;
    process.once('exit', release);
  }

  function release(): void {
    // Clear our reference before the pool can hand the state to anyone else.
    const held = state;
    state = undefined;
    vdsoCall = undefined;
    if (held && pool) pool.release(held);
    if (backend?.name === 'vdso') backend = undefined;
  }

  /** Leaves the vDSO for good after an error it should never return. */
  function abandonVdso(errno: number): Backend {
    fallbacks.push({ backend: 'vdso', reason: `vdso-error: ${errnoName(errno)}`, detail: `the vDSO returned -${errnoName(errno)} for a valid request` });
    release();
    const replacement = trySyscall(false) ?? cryptoBackend(environment.randomFillSync);
    backend = replacement;
    return replacement;
  }

  function fill(view: ArrayBufferView, length: number, flags: number): void {
    // The one place native code is called: it writes `length` bytes at the view's real data
    // pointer, so `length` must fit the view's real extent, whatever its properties claim.
    if (!(length <= realByteLength(view) && length >= 0)) throw outsideView(view, length);
    const written =
      vdsoCall !== undefined ? (vdsoCall(view, length, flags, vdsoState, stateSize) as number) : (backend ?? select()).fill(view, length, flags);
    if (written !== length) finish(view, length, flags, written);
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
        if (errno !== EINTR) {
          if (current.name !== 'vdso') throw new GetrandomError(errnoName(errno), `getrandom failed with ${errnoName(errno)}`, { errno });
          current = abandonVdso(errno);
        }
      }
      bytes ??= bytesOfView(view, length);
      written = current.fill(bytes.subarray(done), length - done, flags);
    }
  }

  function info(): BackendInfo {
    const active = backend ?? select();
    return {
      backend: active.name,
      requested,
      fallbacks: [...fallbacks],
      ...(active.name === 'vdso' && state && pool
        ? { state: { address: state.address, size: stateSize, pool: pool.kind, ...(pool.note ? { poolNote: pool.note } : {}) } }
        : {}),
    };
  }

  return { fill, info, release };
}
