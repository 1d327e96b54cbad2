// One pool of vgetrandom states for a whole process: every thread attaches to the same
// metadata (SharedStore) and takes its state from it, as glibc 2.41 keeps one grnd_alloc per
// process (sysdeps/unix/sysv/linux/getrandom.c). A short Atomics lock
// guards the metadata.
//
//   thread A ──┐  lock (tid of holder)   ┌─ ownerTid/ownerStart per slot (authoritative)
//   thread B ──┼─> SharedStore ──────────┼─ free list, counts, page index (derived)
//   worker C ──┘                         └─ chunk table (what is mapped)
//
// Ownership is the truth; everything else can be rebuilt from it and the chunk table.
// That is what makes a thread killed at any instant harmless: a waiter that finds the
// lock held by a dead thread takes it over and rebuilds. Allocation sets the owner last,
// freeing clears it first, so an interrupted operation never leaves a state owned and free.
import { SLAB_OPTION_FIELDS, checkFields } from './options.js';
import { SlabAllocator } from './allocator.js';
import type { SlabOptions, SlabStats, StateHandle } from './api.js';
import { SlabError } from './errors.js';
import { LOCK_HOLDER, LOCK_WAITERS, type SharedStoreDescriptor, SharedStore } from './shared-store.js';
import { H, SLOT_OWNED } from './store.js';

/** Who a thread is, and whether a thread is still alive: from the kernel, or simulated. */
export interface ThreadIdentity {
  /** The calling thread: kernel tid and start time (which tells reused tids apart). */
  current(): { readonly tid: number; readonly start: number };
  /**
   * False only when the thread is positively gone (or its tid now names another thread).
   * When liveness cannot be established it MUST return true. A throw counts as true.
   */
  isAlive(tid: number, start?: number): boolean;
}

/** Options of SharedSlabPool: the allocator's, plus who threads are. */
export interface SharedPoolOptions extends SlabOptions {
  readonly identity: ThreadIdentity;
  /** How long a waiter sleeps before checking whether the lock holder died. Default 20 ms. */
  readonly lockCheckMs?: number;
}

/** Published to workers: the metadata plus the geometry every attacher must agree on. */
export interface SharedPoolDescriptor {
  readonly store: SharedStoreDescriptor;
  readonly stateSize: number;
}

/**
 * Where one thread's pool operation may be interleaved with another's. The real driver
 * runs straight through them (spinning or sleeping on 'blocked'); a deterministic
 * scheduler (tools/fuzz's interleave target) runs one step of one thread at a time and
 * may kill a thread at any of them, including inside the lock.
 * @internal
 */
export type PoolStep =
  /** The lock is held by `holder`; resume with true once the wait timed out (then the holder's liveness is checked). */
  | { readonly kind: 'blocked'; readonly holder: number; readonly spins: number }
  /** Any other point between two shared-memory steps; `locked` says whether this thread holds the lock. */
  | { readonly kind: 'point'; readonly label: string; readonly locked: boolean };

type Steps<T> = Generator<PoolStep, T, boolean | undefined>;

// Header words the pool keeps for itself (the allocator uses 0..12).
const H_STATE_SIZE = 13;
const H_REPAIRS = 14;
/**
 * States in use at which the next sweep on the way to growing is due: twice those still in
 * use after the last sweep, and at least a page of states. So a sweep (O(slots)) comes after
 * at least as many new states as it may reclaim: O(1) amortized per acquire, and dead
 * threads never hold more than the live ones (plus a page) between sweeps.
 */
const H_SWEEP_AT = 16;
const SPINS_BEFORE_WAIT = 2000;
/** Written by the backoff loop so the JIT cannot drop it. */
let spinSink = 0;

/**
 * One pool of states for every thread of a process, in SharedArrayBuffers.
 * @throws SlabError ERR_SLAB_INVALID_OPTION (attach to a foreign pool or another state size),
 *   ERR_SLAB_DOUBLE_FREE / ERR_SLAB_FOREIGN / ERR_SLAB_MISALIGNED (release), ERR_SLAB_INVARIANT (checkInvariants).
 */
export class SharedSlabPool {
  readonly slab: SlabAllocator;
  private readonly store: SharedStore;
  private readonly identity: ThreadIdentity;
  private readonly lockCheckMs: number;
  private self: { tid: number; start: number } | undefined;

  private constructor(store: SharedStore, options: SharedPoolOptions) {
    checkFields(options, 'options', { required: [...SLAB_OPTION_FIELDS.required, 'identity'], optional: [...SLAB_OPTION_FIELDS.optional, 'lockCheckMs'] });
    const { identity, lockCheckMs, ...slabOptions } = options;
    this.store = store;
    this.identity = identity;
    this.lockCheckMs = lockCheckMs ?? 20;
    this.slab = new SlabAllocator(slabOptions, store);
    const recorded = store.header[H_STATE_SIZE]!;
    if (recorded === 0) store.header[H_STATE_SIZE] = options.stateSize;
    else if (recorded !== options.stateSize) {
      throw new SlabError('ERR_SLAB_INVALID_OPTION', `the shared pool holds ${recorded}-byte states, not ${options.stateSize}`);
    }
  }

  /** A new pool; publish `descriptor` so other threads can attach. */
  static create(options: SharedPoolOptions): SharedSlabPool {
    return new SharedSlabPool(SharedStore.create(), options);
  }

  /**
   * Joins a pool another thread created. `options.source` maps in this thread; mappings
   * are process-wide, so states from any thread's source are valid everywhere.
   * @throws SlabError ERR_SLAB_INVALID_OPTION for a foreign descriptor or another state size.
   */
  static attach(descriptor: SharedPoolDescriptor, options: SharedPoolOptions): SharedSlabPool {
    if (descriptor?.stateSize !== options.stateSize) {
      throw new SlabError('ERR_SLAB_INVALID_OPTION', `the shared pool holds ${String(descriptor?.stateSize)}-byte states, not ${options.stateSize}`);
    }
    return new SharedSlabPool(SharedStore.attach(descriptor.store), options);
  }

  /**
   * Joins (or starts) a pool over published metadata alone: the first to attach records
   * the state size, later ones must agree. Lets a process publish the metadata before it
   * knows the state size (before any native call).
   * @throws SlabError ERR_SLAB_INVALID_OPTION for a foreign descriptor or another state size.
   */
  static attachStore(store: SharedStoreDescriptor, options: SharedPoolOptions): SharedSlabPool {
    return new SharedSlabPool(SharedStore.attach(store), options);
  }

  get descriptor(): SharedPoolDescriptor {
    return { store: this.store.descriptor, stateSize: this.slab.geometry.stateSize };
  }

  /**
   * A state owned by the calling thread; maps new pages without holding the lock. Returns
   * null when no memory can be had. A sweep (which reads every owner's liveness) runs on
   * the way to growing only when the pool has doubled since the last one, and whenever
   * mapping fails: O(1) amortized per acquire, so growing to 10^5 states stays linear.
   */
  acquire(): StateHandle | null {
    // The common case without the step machinery (whose generators cost more than the work):
    // the lock free at once and a state on the free list. The same stores in the same order
    // as acquireSteps() and ownSteps(), which handle every other case.
    const me = this.me();
    if (Atomics.compareExchange(this.store.lock, LOCK_HOLDER, 0, me.tid) === 0) {
      this.store.refresh();
      const slot = this.slab.takeFree();
      if (slot >= 0) {
        this.store.ownerStart[slot] = me.start;
        this.store.ownerTid[slot] = me.tid;
        this.unlock();
        return { address: BigInt(this.slab.slotAddress(slot)), index: slot };
      }
      this.unlock();
    }
    return this.drive(this.acquireSteps());
  }

  /** acquire() one step at a time. @internal */
  *acquireSteps(): Steps<StateHandle | null> {
    const me = this.me();
    yield* this.lockSteps(me.tid);
    let slot = this.slab.takeFree();
    const sweepDue = slot < 0 && this.store.header[H.inUse]! >= this.store.header[H_SWEEP_AT]!;
    this.unlockIf(slot < 0);
    if (slot < 0 && sweepDue) {
      yield { kind: 'point', label: 'acquire: no free state, sweep due', locked: false };
      const reclaimed = yield* this.sweepSteps();
      yield* this.lockSteps(me.tid);
      this.store.header[H_SWEEP_AT] = Math.max(2 * this.store.header[H.inUse]!, this.slab.geometry.statesPerPage);
      slot = reclaimed > 0 ? this.slab.takeFree() : -1;
      this.unlockIf(slot < 0);
    }
    if (slot < 0) {
      yield { kind: 'point', label: 'acquire: about to map', locked: false };
      // Map outside the lock; another thread may refill meanwhile, which only adds room.
      const mapped = this.slab.mapRefill();
      // No memory: dead threads' states are the last resort before giving up. A sweep that
      // reclaims keeps the lock, so this thread owns one before another can take them all.
      if (mapped === null && !sweepDue && (yield* this.sweepSteps(true)) > 0) return yield* this.ownSteps(this.slab.takeFree(), me);
      yield { kind: 'point', label: 'acquire: mapped', locked: false };
      yield* this.lockSteps(me.tid);
      if (mapped) {
        try {
          this.slab.installChunk(mapped.region, mapped.pages);
        } catch (error) {
          // The metadata could not grow (full, or no memory): nothing was installed.
          if (!(error instanceof SlabError && error.code === 'ERR_SLAB_METADATA')) {
            this.unlock();
            throw error;
          }
          this.slab.lastMapFailure = `metadata: ${error.message}`;
          this.slab.source.unmap(mapped.region);
        }
      }
      slot = this.slab.takeFree();
      if (slot < 0) {
        this.unlock();
        return null;
      }
    }
    return yield* this.ownSteps(slot, me);
  }

  /** Records the caller as the owner of `slot` and lets go of the lock (held on entry). */
  private *ownSteps(slot: number, me: { tid: number; start: number }): Steps<StateHandle> {
    // Owner last: until this store, a repair would see the slot as free, which is true.
    this.store.ownerStart[slot] = me.start;
    yield { kind: 'point', label: 'own: start time written', locked: true };
    this.store.ownerTid[slot] = me.tid;
    yield { kind: 'point', label: 'own: owner written', locked: true };
    this.unlock();
    return { address: BigInt(this.slab.slotAddress(slot)), index: slot };
  }

  /**
   * Returns a state. Only its owner should call this.
   * @throws SlabError ERR_SLAB_DOUBLE_FREE, ERR_SLAB_FOREIGN, ERR_SLAB_MISALIGNED.
   */
  release(handle: StateHandle): void {
    // The lock free at once: releaseSteps()'s stores in its order, without the step machinery.
    if (Atomics.compareExchange(this.store.lock, LOCK_HOLDER, 0, this.me().tid) !== 0) return this.drive(this.releaseSteps(handle));
    try {
      this.store.refresh();
      this.releaseLocked(handle);
    } finally {
      this.unlock();
    }
  }

  /** releaseSteps()'s work under the lock, in its order, without its interleaving point. */
  private releaseLocked(handle: StateHandle): void {
    const slot = this.slab.slotOf(handle);
    if (this.store.slotNext[slot] !== SLOT_OWNED) {
      throw new SlabError('ERR_SLAB_DOUBLE_FREE', `state 0x${handle.address.toString(16)} is already free`);
    }
    // Owner first: from here a repair would treat the slot as free.
    this.store.ownerTid[slot] = 0;
    this.slab.freeSlot(slot, handle);
  }

  /** release() one step at a time. @internal */
  *releaseSteps(handle: StateHandle): Steps<void> {
    yield* this.lockSteps(this.me().tid);
    try {
      const slot = this.slab.slotOf(handle);
      if (this.store.slotNext[slot] !== SLOT_OWNED) {
        throw new SlabError('ERR_SLAB_DOUBLE_FREE', `state 0x${handle.address.toString(16)} is already free`);
      }
      // Owner first: from here a repair would treat the slot as free.
      this.store.ownerTid[slot] = 0;
      yield { kind: 'point', label: 'release: owner cleared', locked: true };
      this.slab.freeSlot(slot, handle);
    } finally {
      this.unlock();
    }
  }

  /**
   * Reclaims states whose owner thread no longer exists (a terminated worker runs no exit
   * handlers). Never reclaims a live thread's state. Returns how many were reclaimed.
   */
  sweep(): number {
    return this.drive(this.sweepSteps());
  }

  /** sweep() one step at a time; with keepLock, returns holding the lock when it reclaimed any. @internal */
  *sweepSteps(keepLock = false): Steps<number> {
    const me = this.me();
    // Snapshot owners under the lock, check liveness without it (it reads /proc).
    yield* this.lockSteps(me.tid);
    const candidates: Array<[slot: number, tid: number, start: number]> = [];
    const slots = this.store.header[H.slotCount]!;
    for (let slot = 0; slot < slots; slot += 1) {
      const tid = this.store.ownerTid[slot]!;
      // Stryker disable next-line LogicalOperator: a filter only; the re-check under the lock below frees nothing that is not owned by the dead thread checked
      if (tid !== 0 && this.store.slotNext[slot] === SLOT_OWNED) candidates.push([slot, tid, this.store.ownerStart[slot]!]);
    }
    this.unlock();
    const dead: Array<[slot: number, tid: number, start: number]> = [];
    for (const candidate of candidates) {
      yield { kind: 'point', label: 'sweep: checking an owner', locked: false };
      if (this.positivelyDead(candidate[1], candidate[2])) dead.push(candidate);
    }
    if (dead.length === 0) return 0;
    yield* this.lockSteps(me.tid);
    let reclaimed = 0;
    for (const [slot, tid, start] of dead) {
      // Only if the owner is still the dead thread we checked.
      if (this.store.ownerTid[slot] !== tid || this.store.ownerStart[slot] !== start || this.store.slotNext[slot] !== SLOT_OWNED) continue;
      this.store.ownerTid[slot] = 0;
      yield { kind: 'point', label: 'sweep: owner cleared', locked: true };
      this.slab.freeSlot(slot);
      reclaimed += 1;
    }
    this.unlockIf(!keepLock || reclaimed === 0);
    return reclaimed;
  }

  stats(): SlabStats & { readonly repairs: number } {
    this.lock(this.me().tid);
    try {
      return { ...this.slab.stats(), repairs: this.store.header[H_REPAIRS]! };
    } finally {
      this.unlock();
    }
  }

  /** The allocator's invariants, plus: a slot is owned by a thread exactly when it is not free. */
  checkInvariants(): void {
    this.lock(this.me().tid);
    try {
      this.slab.checkInvariants();
      const slots = this.store.header[H.slotCount]!;
      for (let slot = 0; slot < slots; slot += 1) {
        const owned = this.store.slotNext[slot] === SLOT_OWNED;
        const hasOwner = this.store.ownerTid[slot] !== 0;
        if (owned !== hasOwner) {
          throw new SlabError('ERR_SLAB_INVARIANT', `invariant broken: slot ${slot} is ${owned ? 'owned' : 'not owned'} but ${hasOwner ? 'has' : 'has no'} owner thread`);
        }
      }
    } finally {
      this.unlock();
    }
  }

  /** States owned by `tid` (any start time). */
  ownedBy(tid: number): number {
    this.lock(this.me().tid);
    let count = 0;
    const slots = this.store.header[H.slotCount]!;
    for (let slot = 0; slot < slots; slot += 1) if (this.store.ownerTid[slot] === tid) count += 1;
    this.unlock();
    return count;
  }

  /** The identity's verdict, where a failure to decide means alive. */
  private positivelyDead(tid: number, start?: number): boolean {
    try {
      return this.identity.isAlive(tid, start) === false;
    } catch {
      return false;
    }
  }

  private me(): { tid: number; start: number } {
    this.self ??= this.identity.current();
    return this.self;
  }

  /** Runs a pool operation's steps in this thread: spinning, then sleeping, while the lock is held. */
  private drive<T>(steps: Steps<T>): T {
    let resume: boolean | undefined;
    for (;;) {
      const next = steps.next(resume);
      if (next.done) return next.value;
      resume = next.value.kind === 'blocked' ? this.waitForLock(next.value.holder, next.value.spins) : undefined;
    }
  }

  private lock(tid: number): void {
    this.drive(this.lockSteps(tid));
  }

  /** Takes the lock; yields 'blocked' while another thread holds it. */
  private *lockSteps(tid: number): Steps<void> {
    const word = this.store.lock;
    for (let spins = 0; ; spins += 1) {
      const holder = Atomics.compareExchange(word, LOCK_HOLDER, 0, tid);
      if (holder === 0) break;
      if (holder === tid) throw new SlabError('ERR_SLAB_INVARIANT', 'the shared pool lock is not re-entrant');
      const timedOut = yield { kind: 'blocked', holder, spins };
      if (timedOut === true && this.positivelyDead(holder)) {
        // The holder died inside a critical section: take over, then rebuild what it
        // may have left half-done from the ownership records.
        if (Atomics.compareExchange(word, LOCK_HOLDER, holder, tid) === holder) {
          this.store.refresh();
          this.slab.rebuildDerived((slot) => this.store.ownerTid[slot] !== 0);
          this.store.header[H_REPAIRS]! += 1;
          return;
        }
      }
    }
    // Another thread may have grown the metadata since this one last held the lock.
    this.store.refresh();
  }

  /** One wait for a held lock: a short backoff spin, then a sleep. True when the sleep timed out. */
  private waitForLock(holder: number, spins: number): boolean {
    if (spins < SPINS_BEFORE_WAIT) {
      // Back off a little so the holder keeps its cache lines and finishes sooner.
      const backoff = Math.min(4 << Math.min(spins + 1, 6), 256);
      for (let pause = (Math.random() * backoff) | 0; pause > 0; pause -= 1) spinSink += pause;
      return false;
    }
    const word = this.store.lock;
    Atomics.add(word, LOCK_WAITERS, 1);
    const outcome = Atomics.wait(word, LOCK_HOLDER, holder, this.lockCheckMs);
    Atomics.sub(word, LOCK_WAITERS, 1);
    return outcome === 'timed-out';
  }

  private unlock(): void {
    const word = this.store.lock;
    Atomics.store(word, LOCK_HOLDER, 0);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a waiter not woken here wakes at its lockCheckMs timeout and finds the lock free; waking with none waiting is a no-op
    if (Atomics.load(word, LOCK_WAITERS) > 0) Atomics.notify(word, LOCK_HOLDER, 1);
  }

  private unlockIf(condition: boolean): void {
    if (condition) this.unlock();
  }
}
