// The backends target: the façade over a scripted host. A fake vDSO, a fake getrandom syscall
// and a fake node:crypto answer each call as the case says (all of it, a short count, 0 bytes,
// or an errno), the page source fails at chosen maps and a fake clock moves, so that every
// path of the engine runs: short counts, EINTR, fallback vDSO -> syscall -> node:crypto,
// the retry after a refused mmap, errors that are the caller's. The fakes write a counting
// pattern, never random bytes, so the output is checked exactly, byte by byte: a fill that
// restarts, skips or repeats a byte is found however rarely it happens.
import fc from 'fast-check';
import type { ParamsDiscovery, VgetrandomFunction } from '@vgetrandom/params';
import { SimulatedPageSource } from '@vgetrandom/slab';
import { type Address, errnoError } from '@vgetrandom/sys';
import * as real from '@vgetrandom/getrandom';
import type { Check } from '../runner.js';

/** One answer of a fake backend to one call. */
export type Answer = 'all' | { readonly short: number } | 'zero' | { readonly errno: number };

export interface BackendsCase {
  /** Whether the fake vDSO exists (discovery supported). */
  readonly vdso: boolean;
  /** Answers of the fake vDSO, call by call (later calls: all). */
  readonly vdsoAnswers: readonly Answer[];
  readonly syscallAnswers: readonly Answer[];
  /** Map calls (0-based) of the page source that fail (a transient refusal: mmap-failed). */
  readonly mapFails: readonly number[];
  readonly steps: readonly BackendStep[];
}

export interface BackendStep {
  readonly fn: 'getrandom' | 'randomBytes' | 'randomUUID' | 'randomUUIDs' | 'randomInt' | 'randomInts';
  readonly length: number;
  /** 0 or GRND_NONBLOCK (1). */
  readonly flags: number;
  /** Fake milliseconds that pass before the step. */
  readonly advanceMs: number;
}

// Errnos a kernel may give: EINTR 4, EAGAIN 11 (only with GRND_NONBLOCK), EFAULT 14, EINVAL 22,
// ENOSYS 38, EPERM 1, ENOMEM 12, EIO 5.
const ERRNOS = [4, 11, 14, 22, 38, 1, 12, 5];

const answer: fc.Arbitrary<Answer> = fc.oneof(
  { arbitrary: fc.constant('all' as const), weight: 6 },
  { arbitrary: fc.integer({ min: 1, max: 40 }).map((short) => ({ short })), weight: 3 },
  { arbitrary: fc.constant('zero' as const), weight: 1 },
  { arbitrary: fc.constantFrom(...ERRNOS).map((errno) => ({ errno })), weight: 2 },
);

export const backendsArbitrary: fc.Arbitrary<BackendsCase> = fc.record({
  vdso: fc.boolean(),
  vdsoAnswers: fc.array(answer, { maxLength: 24 }),
  syscallAnswers: fc.array(answer, { maxLength: 24 }),
  mapFails: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  steps: fc.array(
    fc.record({
      fn: fc.constantFrom('getrandom', 'getrandom', 'randomBytes', 'randomUUID', 'randomUUIDs', 'randomInt', 'randomInts'),
      length: fc.integer({ min: 1, max: 96 }),
      flags: fc.constantFrom(0, 0, 1),
      advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6000 })),
    }),
    { minLength: 1, maxLength: 24 },
  ),
});

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const GUARD = 0xa5;

/** What the fakes did during one step, for the checks. */
interface Ledger {
  eagain: boolean;
  einval: boolean;
  einvalFromVdso: boolean;
  zeros: number;
  longestZeroRun: number;
}

/**
 * Runs one case on the real package (or a build of it with a planted bug). `seen`, when given,
 * collects the paths the case took (backends used, fallbacks, retries, answers given), to show
 * what a run covers.
 */
export function checkBackends(pkg: Pick<typeof real, 'createApi' | 'createEngine' | 'privatePool' | 'GetrandomError'> = real, seen?: Set<string>): Check<BackendsCase> {
  return (input) => {
    let counter = 0;
    /** The next `count` bytes of the pattern: 1, 2, ..., 255, 1, ... (never 0). */
    const pattern = (target: Uint8Array) => {
      for (let at = 0; at < target.length; at += 1) target[at] = (counter++ % 255) + 1;
    };
    let ledger: Ledger = { eagain: false, einval: false, einvalFromVdso: false, zeros: 0, longestZeroRun: 0 };
    let zeroRun = 0;
    const consult = (answers: readonly Answer[], call: number, length: number, flags: number, from: 'vdso' | 'syscall'): { written: number; errno?: number } => {
      const scripted = answers[call] ?? 'all';
      if (scripted === 'zero') {
        ledger.zeros += 1;
        zeroRun += 1;
        ledger.longestZeroRun = Math.max(ledger.longestZeroRun, zeroRun);
        return { written: 0 };
      }
      zeroRun = 0;
      if (scripted !== 'all') seen?.add(`${from} answered ${'short' in scripted ? 'short' : `errno ${scripted.errno}`}`);
      if (scripted === 'all') return { written: length };
      if ('short' in scripted) return { written: Math.max(1, Math.min(scripted.short, length)) };
      // The kernel gives EAGAIN only to GRND_NONBLOCK; without it, it would block, then answer.
      if (scripted.errno === 11 && (flags & 1) === 0) return { written: length };
      if (scripted.errno === 11) ledger.eagain = true;
      if (scripted.errno === 22) {
        ledger.einval = true;
        if (from === 'vdso') ledger.einvalFromVdso = true;
      }
      return { written: -1, errno: scripted.errno };
    };
    let vdsoCalls = 0;
    const vdsoCall: VgetrandomFunction = (buffer, length, flags) => {
      const { written, errno } = consult(input.vdsoAnswers, vdsoCalls++, length, flags, 'vdso');
      if (errno !== undefined) return -errno;
      if (written > 0) pattern(new Uint8Array((buffer as ArrayBufferView).buffer, (buffer as ArrayBufferView).byteOffset, written));
      return written;
    };
    let syscallCalls = 0;
    const syscall = (target: ArrayBufferView, length: number, flags: number) => {
      // A syscall given a valid buffer never says EFAULT: that answer is the vDSO's alone (a straddling state).
      const answers = input.syscallAnswers.map((entry): Answer => (typeof entry === 'object' && 'errno' in entry && entry.errno === 14 ? 'all' : entry));
      const { written, errno } = consult(answers, syscallCalls++, length, flags, 'syscall');
      if (errno !== undefined) throw errnoError('getrandom', errno);
      if (written > 0) pattern(new Uint8Array(target.buffer, target.byteOffset, written));
      return written;
    };
    const discovery: ParamsDiscovery = input.vdso
      ? { supported: true, params: { sizeOfOpaqueState: 144, mmapProt: 3, mmapFlags: 0x28, reserved: [] }, pageSize: 4096, warnings: [], vgetrandom: { address: 0x1000n as Address, symbol: { name: '__vdso_getrandom', version: 'LINUX_2.6', since: '6.11', syscallOnly: false }, call: vdsoCall } }
      : ({ supported: false, reason: 'no-vdso', detail: 'the case has none' } as unknown as ParamsDiscovery);
    let clock = 1_000_000;
    const engine = pkg.createEngine({
      backend: 'auto',
      nativeAvailability: () => ({ available: true }),
      discoverParams: () => discovery,
      createPageSource: () => new SimulatedPageSource({ failWhen: (number) => (input.mapFails.includes(number) ? 'mmap-failed: ENOMEM' : undefined) }),
      createPool: pkg.privatePool,
      syscall: syscall as never,
      randomFillSync: ((view: ArrayBufferView) => {
        pattern(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
        return view;
      }) as never,
      onWorker: false,
      now: () => clock,
      resolveAddress: () => undefined,
    });
    const api = pkg.createApi(engine);
    let operations = 0;
    try {
      for (const [index, step] of input.steps.entries()) {
        operations += 1;
        clock += step.advanceMs;
        ledger = { eagain: false, einval: false, einvalFromVdso: false, zeros: 0, longestZeroRun: 0 };
        zeroRun = 0;
        const before = counter;
        let output: unknown;
        let view: Uint8Array | undefined;
        let outer: Uint8Array | undefined;
        try {
          if (step.fn === 'getrandom') {
            outer = new Uint8Array(step.length + 16).fill(GUARD);
            view = outer.subarray(8, 8 + step.length).fill(0);
            output = api.getrandom(view, step.flags);
          } else if (step.fn === 'randomBytes') output = api.randomBytes(step.length);
          else if (step.fn === 'randomUUID') output = api.randomUUID();
          else if (step.fn === 'randomUUIDs') output = api.randomUUIDs(step.length % 8);
          else if (step.fn === 'randomInt') output = api.randomInt(0, step.length + 1);
          else output = api.randomInts(-step.length, step.length, step.length % 9);
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          const typed = error instanceof pkg.GetrandomError || (error instanceof Error && typeof code === 'string');
          if (!typed) return { ok: false, operations, message: `step ${index} (${step.fn}) threw an untyped ${(error as Error)?.name}: ${(error as Error)?.message}` };
          // Which errors may reach the caller: EAGAIN only when a backend said so to GRND_NONBLOCK,
          // EINVAL only when the kernel rejected the flags, EIO only after 9 zero answers in a row.
          const allowed = (code === 'EAGAIN' && ledger.eagain) || (code === 'EINVAL' && ledger.einval) || (code === 'EIO' && ledger.longestZeroRun > 8);
          seen?.add(`surfaced ${String(code)}`);
          if (!allowed) return { ok: false, operations, message: `step ${index} (${step.fn}) failed with ${String(code)}: ${(error as Error).message}; no answer of the fakes calls for that (fallbacks must absorb a backend's own failure, and EINTR is retried)` };
          // backendInfo() never throws, whatever happened.
          api.backendInfo();
          continue;
        }
        const info = api.backendInfo();
        if (seen) {
          seen.add(`backend ${info.backend}`);
          for (const entry of info.fallbacks) seen.add(`fallback from ${entry.backend}`);
          if (info.retry) seen.add(info.retry.attempts > 0 ? 'retried the vDSO' : 'retry scheduled');
        }
        if (step.fn === 'getrandom') {
          if (output !== step.length) return { ok: false, operations, message: `step ${index}: getrandom returned ${String(output)} for ${step.length} bytes` };
          const guard = outer!.findIndex((byte, at) => (at < 8 || at >= 8 + step.length) && byte !== GUARD);
          if (guard >= 0) return { ok: false, operations, message: `step ${index}: getrandom wrote byte ${guard - 8} of the view, outside it` };
          // Exactly the pattern the fakes wrote, in order: no byte skipped, repeated or overwritten.
          for (let at = 1; at < view!.length; at += 1) {
            if (view![at] !== (view![at - 1]! % 255) + 1) return { ok: false, operations, message: `step ${index}: byte ${at} of ${step.length} is ${view![at]} after ${view![at - 1]}: the fill skipped, repeated or overwrote bytes (${info.backend}${info.fallbacks.length ? `, after ${info.fallbacks.map((entry) => `${entry.backend}: ${entry.reason}`).join('; ')}` : ''})` };
          }
          if (view![0] === 0) return { ok: false, operations, message: `step ${index}: the view's first byte was never written` };
          if (counter - before < step.length) return { ok: false, operations, message: `step ${index}: ${step.length} bytes reported, but the fakes wrote ${counter - before}` };
        } else if (step.fn === 'randomBytes') {
          if (!(output instanceof Uint8Array) || output.length !== step.length) return { ok: false, operations, message: `step ${index}: randomBytes(${step.length}) gave ${String((output as Uint8Array)?.length)} bytes` };
          if (output.includes(0)) return { ok: false, operations, message: `step ${index}: randomBytes(${step.length}) holds a byte no backend wrote` };
        } else if (step.fn === 'randomUUID') {
          if (typeof output !== 'string' || !UUID_V4.test(output)) return { ok: false, operations, message: `step ${index}: randomUUID() gave ${String(output)}` };
        } else if (step.fn === 'randomUUIDs') {
          const uuids = output as string[];
          if (uuids.length !== step.length % 8 || uuids.some((uuid) => !UUID_V4.test(uuid))) return { ok: false, operations, message: `step ${index}: randomUUIDs(${step.length % 8}) gave ${JSON.stringify(uuids)}` };
        } else if (step.fn === 'randomInt') {
          if (!Number.isSafeInteger(output) || (output as number) < 0 || (output as number) > step.length) return { ok: false, operations, message: `step ${index}: randomInt(0, ${step.length + 1}) gave ${String(output)}` };
        } else {
          const values = output as number[];
          if (values.length !== step.length % 9 || values.some((value) => !Number.isSafeInteger(value) || value < -step.length || value >= step.length)) return { ok: false, operations, message: `step ${index}: randomInts(${-step.length}, ${step.length}, ${step.length % 9}) gave ${JSON.stringify(values)}` };
        }
        // The engine said why it is where it is: never the vDSO without a vDSO, never a fallback without its reason.
        if (!input.vdso && info.backend === 'vdso') return { ok: false, operations, message: `step ${index}: backendInfo() says vdso on a host without one` };
        if (info.fallbacks.some((entry) => typeof entry.reason !== 'string' || entry.reason.length === 0)) return { ok: false, operations, message: `step ${index}: a fallback without a reason: ${JSON.stringify(info.fallbacks)}` };
      }
      return { ok: true, operations };
    } finally {
      engine.dispose?.();
    }
  };
}
