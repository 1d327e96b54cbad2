// Keeps a worker from being stopped while it is inside koffi's setup code, and keeps koffi
// out of workers for which that cannot be promised. The protocol is in guard-protocol.ts;
// this file runs it on real threads.
//
// Why: koffi 3.3.4 creates JavaScript objects while it loads its addon, opens a library,
// declares or decodes a function, or views memory. Once a worker is being stopped, Node
// refuses those requests, koffi's error path (node-addon-api) is refused too, and the whole
// process ends with "FATAL ERROR: Error::ThrowAsJavaScriptException napi_throw" (exit 134).
// A koffi rebuilt with NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS still aborts, in Error::New
// (decision 0010). Plain calls of declared functions create no objects and are safe.
//
// Who can stop a worker, and how each is made to wait:
//
//   its parent's terminate()       Worker.prototype.terminate, wrapped where this module loads
//   its parent's own end           the parent's 'exit' handler, installed where this module loads
//   an ancestor's end or terminate the same, one level up: marks cover every worker below
//   process exit                   the main thread's 'exit' handler sets EXITING
//
// Each works only in a thread that imported the package before starting the worker, so each
// such thread records the workers it starts in the process-wide block (guardConstruction). A worker whose chain of records
// does not reach the main thread never loads koffi: ERR_UNGUARDED_THREAD, and the façade
// uses node:crypto there. `node --import @vgetrandom/getrandom/register` covers every thread.
import { type Worker as WorkerType, getEnvironmentData, isMainThread, setEnvironmentData, threadId } from 'node:worker_threads';
import { SysError } from './errors.js';
import {
  CHANGED,
  type Coverage,
  DEFAULT_RECORDS,
  type Ticket,
  bindChild,
  blockWords,
  claimRecord,
  coverage,
  enterSetupSteps,
  freeSubtree,
  leaveSetup,
  parentExitSteps,
  processExitSteps,
  recordsInUse,
  runSteps,
  terminateSteps,
} from './guard-protocol.js';

const BLOCK_KEY = 'vgetrandom:termination-guard:v2';
const TICKET_KEY = 'vgetrandom:termination-guard-ticket:v2';
/** How long a stopper waits for setup steps below it (one takes about 15 ms). */
const WAIT_LIMIT_MS = 10_000;
/** How long a new worker waits for its parent to name it in its record (microseconds, normally). */
const BIND_LIMIT_MS = 2_000;

/** The block of the process: inherited from the parent, or made here (then handed to the workers started from here). */
function sharedBlock(): Int32Array {
  const inherited = getEnvironmentData(BLOCK_KEY) as SharedArrayBuffer | undefined;
  if (inherited instanceof SharedArrayBuffer && inherited.byteLength === 4 * blockWords(DEFAULT_RECORDS)) return new Int32Array(inherited);
  const block = new Int32Array(new SharedArrayBuffer(4 * blockWords(DEFAULT_RECORDS)));
  setEnvironmentData(BLOCK_KEY, block.buffer as never);
  return block;
}

const block = sharedBlock();
// Read before this thread starts a worker: the hook below overwrites it for the workers it starts.
const ticket: Ticket | undefined = (() => {
  const value = getEnvironmentData(TICKET_KEY) as unknown;
  if (!Array.isArray(value) || value.length !== 2 || !value.every(Number.isSafeInteger)) return undefined;
  return { index: value[0] as number, nonce: value[1] as number };
})();

let settled: Coverage | undefined;
/** Setup steps this thread is inside (they may nest: only the outermost enters and leaves). */
let depth = 0;

/** This worker's coverage, waiting briefly for a parent that has not named it yet. */
function workerCoverage(): Coverage {
  if (settled !== undefined) return settled;
  const deadline = Date.now() + BIND_LIMIT_MS;
  for (;;) {
    const seen = Atomics.load(block, CHANGED);
    const answer = coverage(block, ticket, threadId);
    // Every answer but 'pending' is final: records only change for workers that are gone.
    if (answer.covered || answer.reason !== 'pending') return (settled = answer);
    if (Date.now() > deadline) return answer;
    Atomics.wait(block, CHANGED, seen, 5);
  }
}

const UNCOVERED_WHY: Record<string, string> = {
  'no-record': 'no thread that started this worker (or one above it) had imported @vgetrandom/sys or @vgetrandom/getrandom',
  'parent-did-not-import': 'the thread that started this worker had not imported @vgetrandom/sys or @vgetrandom/getrandom (or used a Worker class saved before)',
  'ancestor-did-not-import': 'a thread above this worker was started by a thread that had not imported @vgetrandom/sys or @vgetrandom/getrandom',
  'stale-ticket': 'the record this worker inherited was reused',
};

/** Whether native code may be loaded in this thread, and if not, why (for backendInfo). */
export function guardCoverage(): { readonly covered: true } | { readonly covered: false; readonly reason: string; readonly detail: string } {
  if (isMainThread) return { covered: true };
  const answer = workerCoverage();
  if (answer.covered) return { covered: true };
  return { covered: false, reason: answer.reason, detail: UNCOVERED_WHY[answer.reason] ?? 'its parent has not named it yet' };
}

/**
 * Runs `setup` (koffi work that creates JavaScript objects) so that no stop can land inside
 * it. On the main thread it just runs.
 * @throws SysError ERR_UNGUARDED_THREAD (for good) when this worker is uncovered: a thread
 *   that can stop it cannot be made to wait; ERR_THREAD_TERMINATING when this worker is
 *   being stopped or the process is exiting; ERR_NATIVE_BUSY when its parent has not named
 *   it yet (try again later). Nothing ran in any of these cases.
 */
export function withTerminationGuard<T>(setup: () => T): T {
  if (isMainThread || depth > 0) return setup();
  const answer = workerCoverage();
  if (!answer.covered) {
    if (answer.reason === 'pending') {
      throw new SysError('ERR_NATIVE_BUSY', 'load', `the thread that started this worker has not recorded it after ${BIND_LIMIT_MS / 1000} s (an overloaded machine?); nothing was loaded, try again later`);
    }
    throw new SysError(
      'ERR_UNGUARDED_THREAD',
      'load',
      `native code is not loaded in this worker: ${UNCOVERED_WHY[answer.reason]}, so a termination could stop it inside koffi's setup and abort the process. Import @vgetrandom/getrandom in the thread that starts the workers before starting them, or run node with --import @vgetrandom/getrandom/register`,
    );
  }
  const entry = runSteps(block, enterSetupSteps(block, answer.index), Number.POSITIVE_INFINITY, Date.now);
  if (!entry.done || entry.value !== 'entered') {
    const why = entry.done && entry.value === 'exiting' ? 'the process is exiting' : 'this worker (or a thread above it) is being stopped';
    throw new SysError('ERR_THREAD_TERMINATING', 'load', `${why}; native code is not loaded`);
  }
  depth += 1;
  try {
    return setup();
  } finally {
    depth -= 1;
    leaveSetup(block, answer.index);
  }
}

type Terminate = (this: WorkerType) => Promise<number>;
type On = (this: WorkerType, event: string | symbol, listener: (...args: any[]) => void) => WorkerType;
const GUARDED = Symbol.for('vgetrandom:termination-guard:v2');
const GUARDED_ON = Symbol.for('vgetrandom:termination-guard:v2:on');

/**
 * Records each worker this thread starts, however its code got the Worker class (an ESM
 * import, a CommonJS `const { Worker } = require(...)` taken before this module loaded, a
 * subclass): Node's constructor (lib/internal/worker.js, setupPortReferencing) registers a
 * 'newListener' listener on the new worker after it has its threadId and before it posts the
 * environment data to the new thread. A Worker.prototype.on of ours sees that registration,
 * records the worker and sets the ticket the new thread then reads. Should a Node version
 * change that order, the ticket goes to no thread or to the next one, whose record names
 * another threadId: the worker is then uncovered (node:crypto), never wrongly covered. No
 * stack inspection: an application's Error.prepareStackTrace or stackTraceLimit cannot
 * change the answer.
 */
function guardConstruction(): void {
  const workerThreads = process.getBuiltinModule('node:worker_threads') as typeof import('node:worker_threads');
  const prototype = workerThreads.Worker.prototype as unknown as Record<PropertyKey, unknown> & { on: On };
  if (Object.hasOwn(prototype, GUARDED_ON)) return;
  const inherited = prototype.on;
  const recorded = new WeakSet<object>();
  const on: On = function (this: WorkerType, event, listener) {
    // The constructor's is the first 'newListener' registration of a worker; a later one (on a
    // worker started before this module loaded) records a worker that read no ticket: it stays
    // uncovered itself, and its record only lets the workers it starts later be covered, which
    // is right, for its parent (this thread) runs the guard whenever it stops it.
    if (event === 'newListener' && !recorded.has(this) && this.threadId >= 0) {
      recorded.add(this);
      const record = claimRecord(block, threadId);
      if (record) {
        bindChild(block, record, this.threadId);
        // Gone, with every worker below it (Node stops them first): their records are free.
        inherited.call(this, 'exit', () => freeSubtree(block, record));
      }
      // The new worker copies this thread's environment data right after this call.
      setEnvironmentData(TICKET_KEY, (record ? [record.index, record.nonce] : undefined) as never);
    }
    return inherited.call(this, event, listener);
  };
  Object.defineProperty(prototype, 'on', { value: on, writable: true, configurable: true });
  Object.defineProperty(prototype, GUARDED_ON, { value: true });
}

/** Wraps Worker.prototype.terminate, once per thread, so that it waits for setup steps below the worker. */
function guardTerminate(): void {
  const workerThreads = process.getBuiltinModule('node:worker_threads') as typeof import('node:worker_threads');
  const prototype = workerThreads.Worker.prototype as unknown as Record<PropertyKey, unknown> & { terminate: Terminate };
  if (prototype[GUARDED]) return;
  const original = prototype.terminate;
  const guarded: Terminate = function (this: WorkerType) {
    const target = this.threadId;
    // -1 once the worker has stopped: nothing to wait for. After WAIT_LIMIT_MS (a step that
    // never ends) it goes ahead all the same: the caller asked for it.
    if (target >= 0) runSteps(block, terminateSteps(block, target), Date.now() + WAIT_LIMIT_MS, Date.now);
    return original.call(this);
  };
  Object.defineProperty(prototype, 'terminate', { value: guarded, writable: true, configurable: true });
  Object.defineProperty(prototype, GUARDED, { value: true });
}

guardTerminate();
guardConstruction();

process.once('exit', () => {
  // Node stops this thread's workers after the 'exit' handlers: none may be inside a setup
  // step then. The main thread's exit stops every worker of the process.
  const steps = isMainThread ? processExitSteps(block) : parentExitSteps(block, threadId);
  runSteps(block, steps, Date.now() + WAIT_LIMIT_MS, Date.now);
});

/** The guard's shared records in use (workers alive that were started by an importing thread). For tests. */
export function guardRecordsInUse(): number {
  return recordsInUse(block);
}
