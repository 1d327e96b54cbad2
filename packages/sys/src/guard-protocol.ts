// The termination guard's protocol, over one shared block and nothing else (no Node APIs),
// so that a deterministic scheduler can run every interleaving of it (tools/fuzz
// `guard-interleave`). termination-guard.ts is the adapter that runs it on real threads.
//
// The failure it prevents: koffi 3.3.4 aborts the whole process when a worker is stopped
// while koffi creates JavaScript objects (decision 0008). A worker may be stopped by its
// parent's terminate(), by its parent's own end (Node stops a thread's workers when the
// thread ends), or by process exit. So a worker may load native code only when every one
// of those can be made to wait for its setup step: its parent, and every ancestor up to the
// main thread, had imported the package before starting the next (the worker is *covered*).
// Each such parent records the workers it starts here; a worker without a record, or whose
// chain of records does not reach the main thread, is *uncovered* and never loads koffi.
//
// Layout (32-bit words):
//
//   0  EXITING   1 once the main thread is exiting: no worker starts a setup step
//   1  NONCE     the last nonce handed out; a record's nonce names one use of it
//   2  CHANGED   bumped (and notified) on every change a waiter may be waiting for
//   3  (unused)
//   4  RECORDS × 4 words, one per worker started by a thread that had imported the package:
//        ┌────────┬───────────┬───────────┬──────────────────────┐
//        │ nonce  │ parent+1  │ child+1   │ flags: ACTIVE|MARKED │
//        └────────┴───────────┴───────────┴──────────────────────┘
//      nonce 0: free; FREEING while being freed. child+1 is 0 until the parent has the
//      worker's threadId (right after Node's constructor returns). Thread ids are stored +1
//      because the main thread's is 0.
//
// The one rule: a worker sets ACTIVE in its own record, THEN reads MARKED along its chain
// and EXITING; a stopper sets MARKED (or EXITING), THEN reads ACTIVE in the records below.
// All accesses are sequentially consistent, so at least one side sees the other: either the
// worker sees the mark and does not start, or the stopper sees ACTIVE and waits for the step
// to end (Dekker's argument; explored exhaustively in the interleave tests).

export const EXITING = 0;
export const NONCE = 1;
export const CHANGED = 2;
const HEADER_WORDS = 4;
const RECORD_WORDS = 4;
const R_NONCE = 0;
const R_PARENT = 1;
const R_CHILD = 2;
const R_FLAGS = 3;
/** The worker is inside a setup step. Set and cleared by the worker only. */
export const ACTIVE = 1;
/** The worker is being stopped (by its parent's terminate() or the parent's end). */
export const MARKED = 2;
const FREEING = -1;

/** Records in a block made by createGuardBlock(): workers alive at once that can be covered. */
export const DEFAULT_RECORDS = 4096;

/** What names a record to the worker it was made for (handed down through environment data). */
export interface Ticket {
  readonly index: number;
  readonly nonce: number;
}

/** Where a protocol step stands: it yields 'step' between shared accesses, 'wait' when it must wait for a change. */
export type GuardStep = 'step' | 'wait';

export function blockWords(records: number): number {
  return HEADER_WORDS + records * RECORD_WORDS;
}

export function recordCount(block: Int32Array): number {
  return Math.floor((block.length - HEADER_WORDS) / RECORD_WORDS);
}

const at = (index: number, field: number) => HEADER_WORDS + index * RECORD_WORDS + field;

/** Wakes every waiter: something it may be waiting for changed. */
export function announce(block: Int32Array): void {
  Atomics.add(block, CHANGED, 1);
  Atomics.notify(block, CHANGED);
}

/**
 * A record for a worker that `parent` is about to start, or undefined when every record is
 * in use (the worker is then uncovered). Called by the parent before Node's constructor.
 */
export function claimRecord(block: Int32Array, parent: number): Ticket | undefined {
  const records = recordCount(block);
  for (let index = 0; index < records; index += 1) {
    if (Atomics.load(block, at(index, R_NONCE)) !== 0) continue;
    let nonce = Atomics.add(block, NONCE, 1) + 1;
    // Never 0 (free) or FREEING, also after the counter wraps.
    if (nonce === 0 || nonce === FREEING) nonce = Atomics.add(block, NONCE, 2) + 2;
    if (Atomics.compareExchange(block, at(index, R_NONCE), 0, nonce) !== 0) continue;
    Atomics.store(block, at(index, R_PARENT), parent + 1);
    Atomics.store(block, at(index, R_CHILD), 0);
    Atomics.store(block, at(index, R_FLAGS), 0);
    return { index, nonce };
  }
  return undefined;
}

/** Names the worker a record is for, once Node's constructor has given it a threadId. */
export function bindChild(block: Int32Array, ticket: Ticket, child: number): void {
  if (Atomics.load(block, at(ticket.index, R_NONCE)) !== ticket.nonce) return;
  Atomics.store(block, at(ticket.index, R_CHILD), child + 1);
  announce(block);
}

/** The record of worker `threadId`, or -1 when it has none. */
export function recordOf(block: Int32Array, threadId: number): number {
  const records = recordCount(block);
  for (let index = 0; index < records; index += 1) {
    const nonce = Atomics.load(block, at(index, R_NONCE));
    if (nonce !== 0 && nonce !== FREEING && Atomics.load(block, at(index, R_CHILD)) === threadId + 1) return index;
  }
  return -1;
}

/** Whether a worker may load native code, as far as the records say. */
export type Coverage =
  | { readonly covered: true; readonly index: number }
  | { readonly covered: false; readonly reason: 'pending' | 'no-record' | 'parent-did-not-import' | 'ancestor-did-not-import' | 'stale-ticket' };

/**
 * Whether worker `me`, which inherited `ticket` (or none), is covered: its record names it,
 * and the chain of parents' records reaches the main thread (threadId 0). 'pending' when
 * its parent has not bound the record yet (ask again after a change).
 */
export function coverage(block: Int32Array, ticket: Ticket | undefined, me: number): Coverage {
  if (ticket === undefined || ticket.index < 0 || ticket.index >= recordCount(block)) return { covered: false, reason: 'no-record' };
  if (Atomics.load(block, at(ticket.index, R_NONCE)) !== ticket.nonce) return { covered: false, reason: 'stale-ticket' };
  const child = Atomics.load(block, at(ticket.index, R_CHILD));
  if (child === 0) return { covered: false, reason: 'pending' };
  // The ticket was made for another worker: this one's parent had not imported the package
  // and passed on the ticket it had inherited.
  if (child !== me + 1) return { covered: false, reason: 'parent-did-not-import' };
  return chainReachesMain(block, ticket.index) ? { covered: true, index: ticket.index } : { covered: false, reason: 'ancestor-did-not-import' };
}

/**
 * The record of the worker that started the worker of record `index`: a record index, MAIN
 * when that was the main thread, or NONE when it has no record (it was started by a thread
 * that had not imported the package) or the field is cleared.
 */
function parentRecord(block: Int32Array, index: number): number {
  const parent = Atomics.load(block, at(index, R_PARENT)) - 1;
  if (parent === 0) return MAIN;
  return parent < 0 ? NONE : recordOf(block, parent);
}
const MAIN = -2;
const NONE = -1;

/**
 * The records from `index` up the chain of parents, `index` first; ends at the main thread or
 * a thread without a record. Bounded: recycled records cannot make it loop for ever.
 */
function* chain(block: Int32Array, index: number): Generator<number, typeof MAIN | typeof NONE> {
  let current = index;
  for (let depth = 0, records = recordCount(block); depth <= records; depth += 1) {
    yield current;
    const parent = parentRecord(block, current);
    if (parent < 0) return parent as typeof MAIN | typeof NONE;
    current = parent;
  }
  return NONE;
}

/** Whether the parents' records from `index` up reach the main thread. */
function chainReachesMain(block: Int32Array, index: number): boolean {
  const walk = chain(block, index);
  for (let next = walk.next(); ; next = walk.next()) if (next.done) return next.value === MAIN;
}

/** Whether record `index` is `ancestor` or below it. */
function isWithin(block: Int32Array, index: number, ancestor: number): boolean {
  for (const record of chain(block, index)) if (record === ancestor) return true;
  return false;
}

/** Why a worker may not start a setup step. */
export type Refusal = 'exiting' | 'terminating';

/**
 * A covered worker's entry into a setup step: 'entered' (it MUST call leaveSetup afterwards)
 * or why not (nothing is left set).
 */
export function* enterSetupSteps(block: Int32Array, index: number): Generator<GuardStep, 'entered' | Refusal> {
  // First the flag, then the look: the pair of the stopper's mark-then-look.
  Atomics.or(block, at(index, R_FLAGS), ACTIVE);
  yield 'step';
  let refusal: Refusal | undefined = Atomics.load(block, EXITING) !== 0 ? 'exiting' : undefined;
  for (const record of chain(block, index)) {
    if (refusal !== undefined) break;
    yield 'step';
    if ((Atomics.load(block, at(record, R_FLAGS)) & MARKED) !== 0) refusal = 'terminating';
  }
  if (refusal === undefined) return 'entered';
  leaveSetup(block, index);
  return refusal;
}

export function leaveSetup(block: Int32Array, index: number): void {
  Atomics.and(block, at(index, R_FLAGS), ~ACTIVE);
  announce(block);
}

/** Whether any record within `ancestor` (any record at all, for -1) is inside a setup step. */
function activeWithin(block: Int32Array, ancestor: number): boolean {
  const records = recordCount(block);
  for (let index = 0; index < records; index += 1) {
    const nonce = Atomics.load(block, at(index, R_NONCE));
    if (nonce === 0 || nonce === FREEING) continue;
    if ((Atomics.load(block, at(index, R_FLAGS)) & ACTIVE) === 0) continue;
    if (ancestor < 0 || isWithin(block, index, ancestor)) return true;
  }
  return false;
}

/**
 * Before Node's terminate() of worker `target`: marks it (so neither it nor any worker below
 * it starts a setup step), then waits while one of them is inside one. 'unrecorded' when the
 * target has no record (it is uncovered and never loads native code: nothing to wait for).
 */
export function* terminateSteps(block: Int32Array, target: number): Generator<GuardStep, 'clear' | 'unrecorded'> {
  const index = recordOf(block, target);
  if (index < 0) return 'unrecorded';
  Atomics.or(block, at(index, R_FLAGS), MARKED);
  yield 'step';
  while (activeWithin(block, index)) yield 'wait';
  return 'clear';
}

/**
 * Before a thread ends on its own (its 'exit' event: process.exit(), an uncaught exception,
 * the end of its work), after which Node stops its workers: marks each worker it started and
 * waits while any worker below it is inside a setup step.
 */
export function* parentExitSteps(block: Int32Array, me: number): Generator<GuardStep, void> {
  const records = recordCount(block);
  const children: number[] = [];
  for (let index = 0; index < records; index += 1) {
    const nonce = Atomics.load(block, at(index, R_NONCE));
    if (nonce === 0 || nonce === FREEING || Atomics.load(block, at(index, R_PARENT)) !== me + 1) continue;
    Atomics.or(block, at(index, R_FLAGS), MARKED);
    children.push(index);
  }
  yield 'step';
  while (children.some((index) => activeWithin(block, index))) yield 'wait';
}

/** At process exit (the main thread): no worker starts a setup step from now on; waits for those inside one. */
export function* processExitSteps(block: Int32Array): Generator<GuardStep, void> {
  Atomics.store(block, EXITING, 1);
  yield 'step';
  while (activeWithin(block, -1)) yield 'wait';
}

/**
 * Frees the record of a worker that is gone, and the records of every worker below it (Node
 * stopped them before the worker itself ended). Each record is freed once, however many
 * threads try: the nonce is taken first.
 */
export function freeSubtree(block: Int32Array, ticket: Ticket): void {
  if (Atomics.load(block, at(ticket.index, R_NONCE)) !== ticket.nonce) return;
  const records = recordCount(block);
  const below: Array<{ index: number; nonce: number }> = [];
  for (let index = 0; index < records; index += 1) {
    const nonce = Atomics.load(block, at(index, R_NONCE));
    if (nonce !== 0 && nonce !== FREEING && isWithin(block, index, ticket.index)) below.push({ index, nonce });
  }
  for (const { index, nonce } of below) {
    if (Atomics.compareExchange(block, at(index, R_NONCE), nonce, FREEING) !== nonce) continue;
    Atomics.store(block, at(index, R_FLAGS), 0);
    Atomics.store(block, at(index, R_CHILD), 0);
    Atomics.store(block, at(index, R_PARENT), 0);
    Atomics.store(block, at(index, R_NONCE), 0);
  }
  announce(block);
}

/** Records in use (for tests and backendInfo). */
export function recordsInUse(block: Int32Array): number {
  let used = 0;
  for (let index = 0, records = recordCount(block); index < records; index += 1) if (Atomics.load(block, at(index, R_NONCE)) !== 0) used += 1;
  return used;
}

/** Runs protocol steps to the end on a real thread: a 'wait' sleeps until a change, up to `deadline`. */
export function runSteps<T>(block: Int32Array, steps: Generator<GuardStep, T>, deadline: number, now: () => number): { readonly done: true; readonly value: T } | { readonly done: false } {
  for (;;) {
    const seen = Atomics.load(block, CHANGED);
    const next = steps.next();
    if (next.done) return { done: true, value: next.value };
    if (next.value === 'wait') {
      if (now() > deadline) return { done: false };
      // A few ms at most: a waiter also re-checks on its own (a thread that died in a step
      // never announces its end; its record is freed when its parent sees it gone).
      Atomics.wait(block, CHANGED, seen, 5);
    }
  }
}
