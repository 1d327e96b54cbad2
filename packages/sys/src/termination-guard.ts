// Keeps worker.terminate() from landing while a worker is inside koffi's setup code.
//
// Why: koffi (3.3.4, built with node-addon-api without NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS)
// creates JavaScript objects while it loads its addon, opens a library, declares or decodes
// a function, or views memory. Once terminate() has been called, Node refuses every such
// request from that worker, koffi then tries to throw, the throw is refused too, and
// node-addon-api ends the whole process with "FATAL ERROR: Error::ThrowAsJavaScriptException
// napi_throw" (exit 134). Plain calls of declared functions do not create objects and are safe.
//
// How: one lock word shared by every thread of the process (published through worker
// environment data by the main thread, when this module loads there).
//
//   worker:        lock ── am I marked as terminating? ── koffi setup ── unlock
//   terminate():   mark the worker ── wait while the worker holds the lock ── Node's terminate()
//
// All of it sequentially consistent, so either the worker took the lock before terminate()
// looked (terminate() then waits for its setup step to end, about 15 ms for the first load)
// or it will see its mark once it has the lock and not start. terminate() does not take the
// lock itself: it used to, and with a dozen workers taking it in turn for their own setups it
// could miss it for the whole wait limit, then terminate unguarded, land inside a setup, and
// leave the lock held by a dead thread (every later setup and terminate() then waited the
// full limit). A terminate() that still has to go ahead unguarded (the worker's step outlasted
// the limit) frees the lock if the dead worker left it held. The main thread needs no guard:
// terminate() cannot stop it, and at process exit it takes the lock for good so no worker
// starts a setup that exit would cut.
import { Worker, getEnvironmentData, isMainThread, setEnvironmentData, threadId } from 'node:worker_threads';
import { SysError } from './errors.js';

const GUARD_KEY = 'vgetrandom:termination-guard:v1';
const LOCK = 0;
const MARKS = 1;
const MARK_SLOTS = 1024;
/** Value of the lock word while the main thread holds it at exit: nobody gets it again. */
const HELD_FOR_EXIT = -1;
const WAIT_LIMIT_MS = 10_000;

function createBlock(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * (MARKS + MARK_SLOTS)));
}

function sharedBlock(): Int32Array {
  const inherited = getEnvironmentData(GUARD_KEY) as SharedArrayBuffer | undefined;
  if (inherited instanceof SharedArrayBuffer && inherited.byteLength === 4 * (MARKS + MARK_SLOTS)) return new Int32Array(inherited);
  const block = createBlock();
  // Workers started from here on (and their workers) share this block.
  setEnvironmentData(GUARD_KEY, block.buffer as never);
  return block;
}

const block = sharedBlock();
// Lock owner values are threadId + 1 (the main thread's threadId is 0).
const me = threadId + 1;

/** Takes the lock: 'taken', or why not ('exiting': the process is; 'busy': WAIT_LIMIT_MS passed). */
function acquire(owner: number): 'taken' | 'exiting' | 'busy' {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const holder = Atomics.compareExchange(block, LOCK, 0, owner);
    if (holder === 0) return 'taken';
    if (holder === HELD_FOR_EXIT) return 'exiting';
    if (Date.now() > deadline) return 'busy';
    Atomics.wait(block, LOCK, holder, 5);
  }
}

/** Waits until `owner` does not hold the lock: 'free', or 'busy' after WAIT_LIMIT_MS. */
function awaitNotHolding(owner: number): 'free' | 'busy' {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    if (Atomics.load(block, LOCK) !== owner) return 'free';
    if (Date.now() > deadline) return 'busy';
    Atomics.wait(block, LOCK, owner, 5);
  }
}

function release(): void {
  // Pairs with the compareExchange in acquire(): what the holder did is visible to the next.
  Atomics.store(block, LOCK, 0);
  Atomics.notify(block, LOCK);
}

function isMarked(id: number): boolean {
  for (let slot = 0; slot < MARK_SLOTS; slot += 1) if (Atomics.load(block, MARKS + slot) === id + 1) return true;
  return false;
}

function mark(id: number): number {
  for (let slot = 0; slot < MARK_SLOTS; slot += 1) {
    if (Atomics.compareExchange(block, MARKS + slot, 0, id + 1) === 0) return slot;
  }
  return -1; // 1024 terminations in flight: the lock alone still orders them
}

/**
 * Runs `setup` (koffi work that creates JavaScript objects) so that terminate() cannot land
 * inside it. On the main thread it just runs.
 * @throws SysError ERR_THREAD_TERMINATING when this worker is being terminated or the process
 *   is exiting, ERR_NATIVE_BUSY when other threads' setups held the lock for WAIT_LIMIT_MS
 *   (an overloaded machine: try again later). Nothing ran in either case.
 */
export function withTerminationGuard<T>(setup: () => T): T {
  if (isMainThread) return setup();
  const taken = acquire(me);
  if (taken === 'exiting') throw new SysError('ERR_THREAD_TERMINATING', 'load', 'the process is exiting; native code is not loaded in this worker');
  if (taken === 'busy') {
    throw new SysError('ERR_NATIVE_BUSY', 'load', `other threads held the native-setup lock for ${WAIT_LIMIT_MS / 1000} s (an overloaded machine?); nothing was loaded, try again later`);
  }
  try {
    if (isMarked(threadId)) throw new SysError('ERR_THREAD_TERMINATING', 'load', 'this worker is being terminated; native code is not loaded');
    return setup();
  } finally {
    release();
  }
}

type Terminate = (this: Worker) => Promise<number>;
const GUARDED = Symbol.for('vgetrandom:terminate-guarded');

/** Wraps Worker.prototype.terminate, once per thread, so that it waits for a setup in progress. */
function guardTerminate(): void {
  const prototype = Worker.prototype as unknown as Record<PropertyKey, unknown> & { terminate: Terminate };
  if (prototype[GUARDED]) return;
  const original = prototype.terminate;
  const guarded: Terminate = function (this: Worker) {
    const target = this.threadId;
    // -1 once the worker has stopped: nothing to wait for.
    if (target < 0) return original.call(this);
    const slot = mark(target);
    // Marked: from now on the worker starts no setup. Wait for one it is inside, if any.
    const waited = slot >= 0 ? awaitNotHolding(target + 1) : acquire(me) === 'taken' ? 'taken' : 'busy';
    let result: Promise<number>;
    try {
      result = original.call(this);
    } finally {
      if (waited === 'taken') release();
    }
    result
      .finally(() => {
        // threadIds are never reused, so the mark only has to outlive the termination. A
        // worker stopped inside a setup (only after the wait limit) held the lock: free it.
        if (slot >= 0) Atomics.store(block, MARKS + slot, 0);
        if (Atomics.compareExchange(block, LOCK, target + 1, 0) === target + 1) Atomics.notify(block, LOCK);
      })
      .catch(() => {});
    return result;
  };
  Object.defineProperty(prototype, 'terminate', { value: guarded, writable: true, configurable: true });
  Object.defineProperty(prototype, GUARDED, { value: true });
}

guardTerminate();

if (isMainThread) {
  // At exit Node stops every worker without calling terminate(); hold the lock from then on
  // (after any setup in progress) so none is cut in the middle.
  process.once('exit', () => {
    // 'busy': a setup outlasted the limit; hold the lock for exit all the same.
    if (acquire(HELD_FOR_EXIT) === 'busy') Atomics.store(block, LOCK, HELD_FOR_EXIT);
  });
}
