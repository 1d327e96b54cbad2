// The process-wide pool of states, as glibc 2.41 keeps one (grnd_alloc in
// sysdeps/unix/sysv/linux/getrandom.c). The main thread creates the pool's
// metadata when this module loads there (a few KiB of SharedArrayBuffers, no native code)
// and publishes it through worker environment data, so every worker started afterwards,
// before or after the first getrandom() call, takes its state from the same pool and a
// terminated worker's state is found by the liveness sweep.
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';
import {
  type PageSource,
  SharedSlabPool,
  SharedStore,
  type SharedStoreDescriptor,
  SlabAllocator,
  type StateHandle,
  kernelThreadIdentity,
} from '@vgetrandom/slab';

/** A pool of states for a thread's engine. */
export interface StatePool {
  readonly kind: 'private' | 'shared';
  /** Why a private pool is used where a shared one was wanted. */
  readonly note?: string;
  /** A state, or why none could be had (e.g. `'mmap-denied: EPERM'`). */
  acquire(): StateHandle | { readonly failure: string };
  release(state: StateHandle): void;
}

/** A private pool: this thread's own slab of one page per refill, unmapped when empty. */
export function privatePool(stateSize: number, source: PageSource): StatePool {
  const slab = new SlabAllocator({ stateSize, source, policy: 'glibc', reclaim: { keepEmpty: 0 } });
  return {
    kind: 'private',
    acquire: () => slab.allocate() ?? { failure: slab.stats().lastMapFailure ?? 'the slab returned no state' },
    release: (state) => slab.free(state),
  };
}

/** The environment-data key the pool's metadata is published under. */
export const SHARED_POOL_KEY = 'vgetrandom:shared-pool:v2';

/** Why the process-wide pool cannot be used from this thread. */
export class PoolUnavailable extends Error {
  override readonly name = 'PoolUnavailable';
  /** `'no-shared-pool'` (a worker that cannot see it) or `'pool-metadata'` (it could not be created). */
  readonly reason: 'no-shared-pool' | 'pool-metadata';
  constructor(reason: PoolUnavailable['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

/** The published metadata, or why there is none. Settled when this module loads. */
const published: SharedStoreDescriptor | PoolUnavailable = (() => {
  const inherited = getEnvironmentData(SHARED_POOL_KEY) as SharedStoreDescriptor | undefined;
  if (inherited !== undefined) return inherited;
  if (!isMainThread) {
    return new PoolUnavailable(
      'no-shared-pool',
      'this worker cannot see the process-wide pool: it was started before the main thread imported @vgetrandom/getrandom (import it in the main thread before starting workers)',
    );
  }
  try {
    const store = SharedStore.create();
    setEnvironmentData(SHARED_POOL_KEY, store.descriptor as never);
    return store.descriptor;
  } catch (error) {
    return new PoolUnavailable('pool-metadata', `the process-wide pool could not be created: ${(error as Error).message}`);
  }
})();

let shared: SharedSlabPool | undefined;

/** This thread's view of the process-wide pool, once this thread has used it. */
export function sharedStatePool(): SharedSlabPool | undefined {
  return shared;
}

/**
 * The process-wide pool.
 * @throws PoolUnavailable when this thread cannot reach it or it could not be created;
 *   SlabError when the published metadata is not ours (another state size).
 */
export function processPool(stateSize: number, source: PageSource): StatePool {
  if (published instanceof PoolUnavailable) throw published;
  const options = { stateSize, source, policy: 'glibc' as const, reclaim: { keepEmpty: 1 }, identity: kernelThreadIdentity };
  shared ??= SharedSlabPool.attachStore(published, options);
  const pool = shared;
  return {
    kind: 'shared',
    acquire: () => pool.acquire() ?? { failure: pool.slab.stats().lastMapFailure ?? 'the shared pool returned no state' },
    release: (state) => pool.release(state),
  };
}

