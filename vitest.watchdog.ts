// The progress watchdog of every test process (a vitest setup file, see vitest.shared.ts).
//
// A wall-clock limit per test is what a loaded 2-core machine hits; a test that never ends is
// what CI's own limit hits, hours later and without a name. So tests have no time limit, and a
// thread of this process watches for progress instead: each test's start and end, and any
// `testProgress()` a long test calls. When nothing has progressed for VGETRANDOM_TEST_STALL_MS
// (default 10 minutes) while a test file runs, the thread names the test that was running and
// kills the process: vitest reports that file as failed. It works for an endless synchronous
// loop too, which no timer in the stuck thread could interrupt.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeEach, afterEach } from 'vitest';

const WATCHDOG = Symbol.for('vgetrandom:test-watchdog');
const PROGRESS = Symbol.for('vgetrandom:test-progress');
/** words: [0] progress count, [1] running test name length, [2] armed. */
type Shared = { readonly words: Int32Array; readonly name: Uint8Array };
type Global = typeof globalThis & { [WATCHDOG]?: Shared; [PROGRESS]?: () => void };

const DEFAULT_STALL_MS = 10 * 60_000;

// Runs in its own thread: it keeps counting while the test thread is stuck.
const THREAD = `
const { workerData } = require('node:worker_threads');
const { mkdirSync, writeFileSync, writeSync } = require('node:fs');
const { join } = require('node:path');
const { words, name, stallMs } = workerData;
let seen = Atomics.load(words, 0);
let since = Date.now();
setInterval(() => {
  const now = Atomics.load(words, 0);
  if (now !== seen || Atomics.load(words, 2) === 0) {
    seen = now;
    since = Date.now();
    return;
  }
  if (Date.now() - since < stallMs) return;
  const running = new TextDecoder().decode(name.slice(0, Atomics.load(words, 1))) || '(between tests: a hook or the file itself)';
  writeSync(2, '\\n[test watchdog] no progress for ' + Math.round(stallMs / 1000) + ' s in: ' + running + '\\n[test watchdog] it hangs (an endless loop, or a promise that never settles); stopping this test process (VGETRANDOM_TEST_STALL_MS sets the bound)\\n');
  // vitest's JSON report lists a killed test as pending: scripts/count-tests.mjs counts this file as a failure.
  try {
    mkdirSync('.test-results', { recursive: true });
    writeFileSync(join('.test-results', 'hung-' + process.pid + '.txt'), running + '\\n');
  } catch {}
  process.kill(process.pid, 'SIGKILL');
}, Math.max(50, Math.min(1000, Math.floor(stallMs / 4))));
`;

function install(): Shared {
  const global = globalThis as Global;
  if (global[WATCHDOG]) return global[WATCHDOG];
  const shared: Shared = { words: new Int32Array(new SharedArrayBuffer(12)), name: new Uint8Array(new SharedArrayBuffer(4096)) };
  global[WATCHDOG] = shared;
  const configured = Number(process.env['VGETRANDOM_TEST_STALL_MS']);
  const stallMs = Number.isSafeInteger(configured) && configured > 0 ? configured : DEFAULT_STALL_MS;
  const thread = new Worker(THREAD, { eval: true, workerData: { ...shared, stallMs } });
  // Never what keeps a test process alive.
  thread.unref();
  return shared;
}

const shared = install();
const encoder = new TextEncoder();
const progress = () => {
  Atomics.add(shared.words, 0, 1);
};
(globalThis as Global)[PROGRESS] = progress;
// Armed from here (the file's own code and its hooks count as running) until the file ends.
Atomics.store(shared.words, 2, 1);
progress();

beforeEach((context) => {
  const task = context.task;
  // fullName starts with the file's name.
  const encoded = encoder.encode(task.fullName ?? `${task.file?.name ?? ''} > ${task.name}`).slice(0, shared.name.length);
  shared.name.set(encoded);
  Atomics.store(shared.words, 1, encoded.length);
  progress();
});

afterEach(() => {
  Atomics.store(shared.words, 1, 0);
  progress();
});

afterAll(() => {
  Atomics.store(shared.words, 2, 0);
});
