// The facade target: random sequences of API calls with random, often invalid, arguments.
// Checks: never a crash or an untyped error; bytes outside the views untouched; the same
// validation outcome as node:crypto for the same input; no repeated 16-byte output. Every
// output of a well-formed call is also kept as a sample, and at the end of a run each
// output path's distribution is judged (byte frequencies, bit balance of 16-byte outputs
// and of UUIDs, randomInt over fixed ranges), as the package's own distribution tests do.
import crypto from 'node:crypto';
import fc from 'fast-check';
import * as ours from '@vgetrandom/getrandom';
import { bitBalance, uniformIntegers } from '@vgetrandom/getrandom/testing';
import type { Check } from '../runner.js';
import { type HostileCase, checkHostile, hostileArbitrary } from './hostile-views.js';

const VIEW_KINDS = ['Uint8Array', 'Int8Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigUint64Array', 'Float32Array', 'Float64Array', 'DataView', 'Buffer', 'ArrayBuffer'] as const;
type ViewKind = (typeof VIEW_KINDS)[number];

/** A buffer argument, described as data so a finding can rebuild it. */
export type BufferSpec = { readonly kind: ViewKind; readonly elements: number; readonly offsetElements: number } | { readonly kind: 'value'; readonly value: unknown };

export type Call =
  | { readonly fn: 'getrandom'; readonly buffer: BufferSpec; readonly flags: unknown }
  | { readonly fn: 'randomFillSync'; readonly buffer: BufferSpec; readonly args: readonly unknown[] }
  | { readonly fn: 'randomBytes'; readonly args: readonly unknown[] }
  | { readonly fn: 'randomInt'; readonly args: readonly unknown[] }
  | { readonly fn: 'randomUUID'; readonly args: readonly unknown[] }
  | { readonly fn: 'getRandomValues'; readonly buffer: BufferSpec }
  /** Ours only (node:crypto has none): checked against their own contract, not parity. */
  | { readonly fn: 'randomUUIDs'; readonly args: readonly unknown[] }
  | { readonly fn: 'randomInts'; readonly args: readonly unknown[] }
  /** A buffer that lies (the hostile-views target's cases), inside a sequence of ordinary calls. */
  | { readonly fn: 'hostile'; readonly hostile: HostileCase };

const GUARD = 0xa5;
const oddValue = fc.oneof(
  fc.integer({ min: -5, max: 300 }),
  fc.constantFrom(undefined, null, Number.NaN, -1, 0.5, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 48, 2 ** 48 - 1, 2 ** 53, -(2 ** 53), Infinity, '1', '', true, 7n),
  fc.constant({}),
  fc.constant([1, 2]),
);
// Sizes: the odd values minus huge valid ones (randomBytes(2^31 - 1) would fill 2 GiB).
const oddSize = oddValue.filter((value) => !(typeof value === 'number' && value > 4096 && value <= 2 ** 31 - 1));
const bufferSpec: fc.Arbitrary<BufferSpec> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constantFrom(...VIEW_KINDS), elements: fc.integer({ min: 0, max: 96 }), offsetElements: fc.integer({ min: 0, max: 8 }) }), weight: 8 },
  { arbitrary: fc.record({ kind: fc.constant('value' as const), value: oddValue }), weight: 1 },
);

export const callArbitrary: fc.Arbitrary<Call> = fc.oneof(
  { arbitrary: fc.record({ fn: fc.constant('getrandom' as const), buffer: bufferSpec, flags: fc.oneof(fc.constantFrom(0, 1, 2, 4, 3, 5, 6, 7, 8, 0x10), oddValue) }), weight: 6 },
  {
    arbitrary: fc.record({
      fn: fc.constant('getrandom' as const),
      buffer: fc.record({ kind: fc.constant('Uint8Array' as const), elements: fc.constant(16), offsetElements: fc.integer({ min: 0, max: 8 }) }),
      flags: fc.constant(0),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ fn: fc.constant('randomFillSync' as const), buffer: bufferSpec, args: fc.array(oddSize, { maxLength: 2 }) }), weight: 4 },
  { arbitrary: fc.record({ fn: fc.constant('randomBytes' as const), args: fc.array(oddSize, { minLength: 1, maxLength: 1 }) }), weight: 2 },
  { arbitrary: fc.record({ fn: fc.constant('randomInt' as const), args: fc.array(oddValue, { minLength: 1, maxLength: 2 }) }), weight: 3 },
  { arbitrary: fc.record({ fn: fc.constant('randomUUID' as const), args: fc.array(fc.oneof(oddValue, fc.record({ disableEntropyCache: oddValue })), { maxLength: 1 }) }), weight: 2 },
  { arbitrary: fc.record({ fn: fc.constant('getRandomValues' as const), buffer: bufferSpec }), weight: 3 },
  { arbitrary: fc.record({ fn: fc.constant('randomUUIDs' as const), args: fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), oddSize), { minLength: 0, maxLength: 1 }) }), weight: 2 },
  {
    arbitrary: fc.record({
      fn: fc.constant('randomInts' as const),
      args: fc.tuple(oddValue, oddValue, fc.oneof(fc.integer({ min: 0, max: 40 }), oddSize)).map((args) => [...args]),
    }),
    weight: 3,
  },
);

/**
 * Ranges whose randomInt outputs are judged: small and large, with and without a power of
 * two, and two where drawing 32 bits modulo the range is far from uniform (3·2^30, and
 * anything past 2^32).
 */
export const JUDGED_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0, 6],
  [-500, 500],
  [0, 3 * 2 ** 30],
  [0, 2 ** 48 - 1],
  [-(2 ** 47), 2 ** 47 - 1],
];

const wellFormedCall: fc.Arbitrary<Call> = fc.oneof(
  fc.constantFrom(...JUDGED_RANGES).map((range): Call => ({ fn: 'randomInt', args: [...range] })),
  fc.tuple(fc.constantFrom(...JUDGED_RANGES), fc.integer({ min: 1, max: 64 })).map(([range, count]): Call => ({ fn: 'randomInts', args: [...range, count] })),
  fc.integer({ min: 1, max: 8 }).map((count): Call => ({ fn: 'randomUUIDs', args: [count] })),
  fc.constant<Call>({ fn: 'randomUUID', args: [] }),
  fc.integer({ min: 1, max: 64 }).map((size): Call => ({ fn: 'randomBytes', args: [size] })),
);

const hostileCall: fc.Arbitrary<Call> = hostileArbitrary.map((hostile): Call => ({ fn: 'hostile', hostile }));

export const facadeArbitrary = fc.array(fc.oneof({ arbitrary: callArbitrary, weight: 12 }, { arbitrary: wellFormedCall, weight: 4 }, { arbitrary: hostileCall, weight: 1 }), { minLength: 1, maxLength: 40 });

/** Outputs of well-formed calls, for the distribution checks at the end of a run. */
export class Samples {
  /** Every byte of every successful fill (getrandom, randomFillSync, getRandomValues, randomBytes), up to a cap. */
  readonly bytes = new Uint8Array(1 << 21);
  byteCount = 0;
  readonly sixteen: Uint8Array[] = [];
  readonly uuids: Uint8Array[] = [];
  readonly integers = new Map<string, number[]>();

  addBytes(bytes: Uint8Array): void {
    const room = Math.min(bytes.length, this.bytes.length - this.byteCount);
    this.bytes.set(bytes.subarray(0, room), this.byteCount);
    this.byteCount += room;
  }

  addInteger(min: number, max: number, value: number): void {
    const key = `${min},${max}`;
    const list = this.integers.get(key);
    if (list) list.push(value);
    else this.integers.set(key, [value]);
  }

  /** Plain data, to send from a worker. */
  toJSON(): SampleData {
    return { bytes: this.bytes.slice(0, this.byteCount), sixteen: this.sixteen, uuids: this.uuids, integers: [...this.integers] };
  }
}

export interface SampleData {
  readonly bytes: Uint8Array;
  readonly sixteen: readonly Uint8Array[];
  readonly uuids: readonly Uint8Array[];
  readonly integers: ReadonlyArray<readonly [string, readonly number[]]>;
}

/**
 * The distribution checks over a run's samples, each at the package's ALPHA (1e-8); only
 * groups with enough samples for the test to have power are judged. Returns what failed.
 */
export function judgeDistributions(data: SampleData): { judged: string[]; failed: string[] } {
  const judged: string[] = [];
  const failed: string[] = [];
  const judge = (name: string, verdict: { passed: boolean; detail: string }) => {
    judged.push(name);
    if (!verdict.passed) failed.push(`${name}: ${verdict.detail}`);
  };
  if (data.bytes.length >= 256 * 20) judge(`byte frequencies of ${data.bytes.length} filled bytes`, uniformIntegers(data.bytes, 0, 256, 256));
  if (data.sixteen.length >= 200) judge(`bit balance of ${data.sixteen.length} 16-byte getrandom outputs`, bitBalance([...data.sixteen]));
  if (data.uuids.length >= 200) {
    const wrong = data.uuids.find((uuid) => uuid[6]! >> 4 !== 4 || uuid[8]! >> 6 !== 2);
    if (wrong) {
      judged.push('UUID version and variant');
      failed.push(`UUID version and variant: ${Buffer.from(wrong).toString('hex')} is not version 4, variant 10`);
    }
    judge(`bit balance of ${data.uuids.length} UUIDs (version and variant bits excluded)`, bitBalance([...data.uuids], [[6, 0xf0], [8, 0xc0]]));
  }
  for (const [key, values] of data.integers) {
    const [min, max] = key.split(',').map(Number) as [number, number];
    const buckets = Math.min(max - min, 32);
    if (values.length < buckets * 20) continue;
    judge(`randomInt(${min}, ${max}) over ${values.length} draws`, uniformIntegers(values, min, max, buckets));
  }
  return { judged, failed };
}

interface Built {
  readonly argument: unknown;
  readonly outer?: Uint8Array;
  /** Byte range of the view inside `outer`. */
  readonly start?: number;
  readonly end?: number;
}

function build(spec: BufferSpec): Built {
  if (spec.kind === 'value') return { argument: spec.value };
  const element = spec.kind === 'DataView' || spec.kind === 'Buffer' || spec.kind === 'ArrayBuffer' ? 1 : (globalThis as unknown as Record<string, { BYTES_PER_ELEMENT: number }>)[spec.kind]!.BYTES_PER_ELEMENT;
  const start = spec.offsetElements * element;
  const length = spec.elements * element;
  const buffer = new ArrayBuffer(start + length + 32);
  const outer = new Uint8Array(buffer).fill(GUARD);
  if (spec.kind === 'ArrayBuffer') return { argument: buffer, outer, start: 0, end: buffer.byteLength };
  if (spec.kind === 'DataView') return { argument: new DataView(buffer, start, length), outer, start, end: start + length };
  if (spec.kind === 'Buffer') return { argument: Buffer.from(buffer, start, length), outer, start, end: start + length };
  const Type = (globalThis as unknown as Record<string, new (buffer: ArrayBuffer, offset: number, length: number) => ArrayBufferView>)[spec.kind]!;
  return { argument: new Type(buffer, start, spec.elements), outer, start, end: start + length };
}

type Outcome = { ok: true; value?: unknown } | { ok: false; name: string; code: unknown };

function invoke(api: Record<string, (...args: unknown[]) => unknown>, call: Call, built: Built | undefined): Outcome & { error?: unknown } {
  try {
    switch (call.fn) {
      case 'getrandom':
        api['getrandom']!(built!.argument, call.flags);
        break;
      case 'randomFillSync':
        api['randomFillSync']!(built!.argument, ...call.args);
        break;
      case 'getRandomValues':
        api['getRandomValues']!(built!.argument);
        break;
      case 'hostile':
        throw new Error('hostile cases are checked by checkHostile()');
      default:
        return { ok: true, value: api[call.fn]!(...call.args) };
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, name: (error as Error)?.name, code: (error as { code?: unknown })?.code, error };
  }
}

/** invoke(), keeping the outputs of successful calls as samples. */
function invokeKeeping(api: Record<string, (...args: unknown[]) => unknown>, call: Call, built: Built | undefined, samples: Samples | undefined): Outcome & { error?: unknown } {
  if (!samples) return invoke(api, call, built);
  try {
    if (call.fn === 'randomInt' && call.args.length === 2 && JUDGED_RANGES.some(([min, max]) => min === call.args[0] && max === call.args[1])) {
      const [min, max] = call.args as [number, number];
      samples.addInteger(min, max, api['randomInt']!(min, max) as number);
      return { ok: true };
    }
    if (call.fn === 'randomUUID' && call.args.length === 0) {
      samples.uuids.push(Buffer.from((api['randomUUID']!() as string).replaceAll('-', ''), 'hex'));
      return { ok: true };
    }
    if (call.fn === 'randomBytes' && call.args.length === 1 && typeof call.args[0] === 'number' && Number.isInteger(call.args[0]) && call.args[0] > 0 && call.args[0] <= 64) {
      samples.addBytes(api['randomBytes']!(call.args[0]) as Uint8Array);
      return { ok: true };
    }
  } catch (error) {
    return { ok: false, name: (error as Error)?.name, code: (error as { code?: unknown })?.code, error };
  }
  const outcome = invoke(api, call, built);
  // randomInts and randomUUIDs are sampled here and checked by checkOwnOutput() (a bad output fails the case).
  if (outcome.ok && call.fn === 'randomInts' && Array.isArray(outcome.value) && JUDGED_RANGES.some(([min, max]) => min === call.args[0] && max === call.args[1])) {
    for (const value of outcome.value as number[]) samples.addInteger(call.args[0] as number, call.args[1] as number, value);
  }
  if (outcome.ok && call.fn === 'randomUUIDs' && Array.isArray(outcome.value)) {
    for (const uuid of outcome.value as unknown[]) if (typeof uuid === 'string' && UUID_V4.test(uuid)) samples.uuids.push(Buffer.from(uuid.replaceAll('-', ''), 'hex'));
  }
  if (outcome.ok && built?.outer && built.start !== undefined && built.end !== undefined && built.end > built.start && call.fn !== 'randomFillSync') {
    // randomFillSync's offset and size arguments may leave part of the view untouched.
    samples.addBytes(built.outer.subarray(built.start, built.end));
  }
  return outcome;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** getrandom(2)'s flags: NONBLOCK 1, RANDOM 2, INSECURE 4, and never INSECURE with RANDOM. Undefined is 0. */
function validFlags(flags: unknown): boolean {
  return flags === undefined || (typeof flags === 'number' && Number.isInteger(flags) && flags >= 0 && flags <= 7 && (flags & 6) !== 6);
}

/** What randomUUIDs and randomInts return on success, checked (node:crypto has neither, so there is no parity to lean on). */
function checkOwnOutput(call: Call, value: unknown): string | undefined {
  if (call.fn === 'randomUUIDs') {
    const count = call.args[0];
    if (!(Number.isSafeInteger(count) && (count as number) >= 0 && (count as number) <= 1 << 24)) return `randomUUIDs(${String(count)}) succeeded; it must refuse a count that is not an integer in [0, 2^24]`;
    const uuids = value as string[];
    if (!Array.isArray(uuids) || uuids.length !== count || uuids.some((uuid) => !UUID_V4.test(uuid))) return `randomUUIDs(${String(count)}) gave ${JSON.stringify(uuids).slice(0, 200)}`;
  }
  if (call.fn === 'randomInts') {
    const [min, max, count] = call.args as [number, number, number];
    const valid = Number.isSafeInteger(min) && Number.isSafeInteger(max) && max > min && max - min <= 2 ** 48 - 1 && Number.isSafeInteger(count) && count >= 0 && count <= 1 << 24;
    if (!valid) return `randomInts(${call.args.map(String).join(', ')}) succeeded; it must refuse those arguments`;
    const values = value as number[];
    if (!Array.isArray(values) || values.length !== count || values.some((entry) => !Number.isSafeInteger(entry) || entry < min || entry >= max)) return `randomInts(${min}, ${max}, ${count}) gave values outside [${min}, ${max}) or too few`;
  }
  return undefined;
}

function isTyped(error: unknown): boolean {
  if (error instanceof DOMException) return true;
  if (error instanceof ours.GetrandomError) return typeof error.code === 'string';
  return (error instanceof TypeError || error instanceof RangeError) && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * Checks one sequence; `outputs` collects every 16-byte getrandom output (hex), `samples`
 * (when given) the outputs of well-formed calls. `api` is the package by default, or a
 * deliberately broken façade (mutants.ts) to prove the checks catch it.
 */
export function checkFacade(outputs: Set<string>, samples?: Samples, api: object = ours): Check<readonly Call[]> {
  const target = api as unknown as Record<string, (...args: unknown[]) => unknown>;
  const hostile = checkHostile(api as Parameters<typeof checkHostile>[0]);
  return (calls) => {
    let operations = 0;
    for (const [index, call] of calls.entries()) {
      operations += 1;
      if (call.fn === 'hostile') {
        const outcome = hostile(call.hostile);
        if (!outcome.ok) return { ok: false, operations, message: `call ${index} (a lying buffer): ${outcome.message}` };
        continue;
      }
      const spec = 'buffer' in call ? call.buffer : undefined;
      const mine = spec ? build(spec) : undefined;
      const outcome = invokeKeeping(target, call, mine, samples);
      if (!outcome.ok && !isTyped(outcome.error)) {
        return { ok: false, operations, message: `call ${index} (${call.fn}) threw an untyped ${String(outcome.name)}: ${String((outcome.error as Error)?.message)}` };
      }
      if (mine?.outer && mine.start !== undefined && mine.end !== undefined) {
        const touched = mine.outer.findIndex((byte, at) => (at < mine.start! || at >= mine.end!) && byte !== GUARD);
        if (touched >= 0) return { ok: false, operations, message: `call ${index} (${call.fn}) wrote byte ${touched}, outside its view [${mine.start}, ${mine.end})` };
      }
      if (call.fn === 'randomUUIDs' || call.fn === 'randomInts') {
        // Ours alone: a success must be a valid call, and give what the function promises.
        if (outcome.ok) {
          const broken = checkOwnOutput(call, outcome.value);
          if (broken) return { ok: false, operations, message: `call ${index}: ${broken}` };
        }
        continue;
      }
      if (call.fn === 'getrandom' && 'flags' in call) {
        // getrandom(2)'s contract on flags: invalid ones always refused (EINVAL, unless the view is refused first); an EINVAL only for invalid ones.
        if (outcome.ok && !validFlags(call.flags)) return { ok: false, operations, message: `call ${index} (getrandom) accepted flags ${String(call.flags)}, which getrandom(2) refuses with EINVAL` };
        if (!outcome.ok && outcome.code === 'EINVAL' && validFlags(call.flags)) return { ok: false, operations, message: `call ${index} (getrandom) refused valid flags ${String(call.flags)} with EINVAL` };
      }
      if (call.fn !== 'getrandom') {
        // The same input through node:crypto must succeed or fail the same way.
        const theirs = invoke(crypto as unknown as Record<string, (...args: unknown[]) => unknown>, call, spec ? build(spec) : undefined);
        const same = theirs.ok === outcome.ok && (theirs.ok || (!outcome.ok && theirs.name === outcome.name && theirs.code === outcome.code));
        if (!same) {
          const describe = (entry: Outcome) => (entry.ok ? 'success' : `${entry.name} ${String(entry.code)}`);
          return { ok: false, operations, message: `call ${index} (${call.fn}) gave ${describe(outcome)}; node:crypto gave ${describe(theirs)}` };
        }
      } else if (outcome.ok && spec?.kind === 'Uint8Array' && spec.elements === 16) {
        const bytes = mine!.outer!.subarray(mine!.start, mine!.end);
        const hex = Buffer.from(bytes).toString('hex');
        if (outputs.has(hex)) return { ok: false, operations, message: `call ${index}: the 16-byte output ${hex} appeared twice` };
        outputs.add(hex);
        samples?.sixteen.push(bytes.slice());
      }
    }
    return { ok: true, operations };
  };
}
