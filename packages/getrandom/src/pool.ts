// The process-wide pool of states, as glibc keeps one: the main thread creates it at its
// first call and publishes it through worker environment data, so every worker started
// afterwards takes its state from the same pool and returns it there.
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';
import { type PageSource, type SharedPoolDescriptor, SharedSlabPool, SlabAllocator, type StateHandle, kernelThreadIdentity } from '@vgetrandom/slab';

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

/** The environment-data key the pool is published under. */
export const SHARED_POOL_KEY = 'vgetrandom:shared-pool:v1';

let shared: SharedSlabPool | undefined;

/** This thread's view of the process-wide pool, once this thread has used it. */
export function sharedStatePool(): SharedSlabPool | undefined {
  return shared;
}

/** The shared pool if this thread can reach it, else a private one that says why. */
export function processPool(stateSize: number, source: PageSource): StatePool {
  const options = { stateSize, source, policy: 'glibc' as const, reclaim: { keepEmpty: 1 }, identity: kernelThreadIdentity };
  if (!shared) {
    const published = getEnvironmentData(SHARED_POOL_KEY) as SharedPoolDescriptor | undefined;
    if (published !== undefined) {
      shared = SharedSlabPool.attach(published, options);
    } else if (isMainThread) {
      shared = SharedSlabPool.create(options);
      setEnvironmentData(SHARED_POOL_KEY, shared.descriptor as never);
    } else {
      return {
        ...privatePool(stateSize, source),
        note: 'this worker cannot see the shared pool (started before the main thread first used getrandom, or no environment data); it uses a private pool',
      };
    }
  }
  const pool = shared;
  return {
    kind: 'shared',
    acquire: () => pool.acquire() ?? { failure: pool.slab.stats().lastMapFailure ?? 'the shared pool returned no state' },
    release: (state) => pool.release(state),
  };
}
