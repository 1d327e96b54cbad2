// The facade target: random sequences of API calls with random, often invalid, arguments.
// Checks: never a crash or an untyped error; bytes outside the views untouched; the same
// validation outcome as node:crypto for the same input; no repeated 16-byte output.
import crypto from 'node:crypto';
import fc from 'fast-check';
import * as ours from '@vgetrandom/getrandom';
import type { Check } from '../runner.js';

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
  | { readonly fn: 'getRandomValues'; readonly buffer: BufferSpec };

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
);

export const facadeArbitrary = fc.array(callArbitrary, { minLength: 1, maxLength: 40 });

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

type Outcome = { ok: true } | { ok: false; name: string; code: unknown };

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
      default:
        api[call.fn]!(...call.args);
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, name: (error as Error)?.name, code: (error as { code?: unknown })?.code, error };
  }
}

function isTyped(error: unknown): boolean {
  if (error instanceof DOMException) return true;
  if (error instanceof ours.GetrandomError) return typeof error.code === 'string';
  return (error instanceof TypeError || error instanceof RangeError) && typeof (error as { code?: unknown }).code === 'string';
}

/** Checks one sequence; `outputs` collects every 16-byte getrandom output (hex). */
export function checkFacade(outputs: Set<string>): Check<readonly Call[]> {
  return (calls) => {
    let operations = 0;
    for (const [index, call] of calls.entries()) {
      operations += 1;
      const spec = 'buffer' in call ? call.buffer : undefined;
      const mine = spec ? build(spec) : undefined;
      const outcome = invoke(ours as unknown as Record<string, (...args: unknown[]) => unknown>, call, mine);
      if (!outcome.ok && !isTyped(outcome.error)) {
        return { ok: false, operations, message: `call ${index} (${call.fn}) threw an untyped ${String(outcome.name)}: ${String((outcome.error as Error)?.message)}` };
      }
      if (mine?.outer && mine.start !== undefined && mine.end !== undefined) {
        const touched = mine.outer.findIndex((byte, at) => (at < mine.start! || at >= mine.end!) && byte !== GUARD);
        if (touched >= 0) return { ok: false, operations, message: `call ${index} (${call.fn}) wrote byte ${touched}, outside its view [${mine.start}, ${mine.end})` };
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
        const hex = Buffer.from(mine!.outer!.subarray(mine!.start, mine!.end)).toString('hex');
        if (outputs.has(hex)) return { ok: false, operations, message: `call ${index}: the 16-byte output ${hex} appeared twice` };
        outputs.add(hex);
      }
    }
    return { ok: true, operations };
  };
}
