// The hostile-views target: buffers that lie about their extent (own properties, getters,
// subclasses, swapped prototypes), Proxies and look-alikes, detached and shrunk buffers,
// shared and growable ones, through every synchronous buffer-taking function.
// Checks: no byte outside the real view is written (guard bytes on both sides, and a decoy
// buffer a lying `buffer` points at stays zero); no untyped error; the outcome is
// node:crypto's for the honest twin (the same memory, no lie).
import crypto from 'node:crypto';
import fc from 'fast-check';
import * as real from '@vgetrandom/getrandom';
import { getrandomSyscall } from '@vgetrandom/sys';
import type { Check } from '../runner.js';

const GUARD = 0xa5;
/** Guard bytes after the view: more than any lie can claim, so a wrong write lands here. */
const TAIL = 8192;
const MAX_LIE = 4096;
const KINDS = ['Uint8Array', 'Int8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'Float32Array', 'Float64Array', 'DataView', 'Buffer'] as const;
type Kind = (typeof KINDS)[number];
const PROPERTIES = ['byteLength', 'byteOffset', 'length', 'buffer', 'BYTES_PER_ELEMENT'] as const;

export type Lie =
  | { readonly how: 'own' | 'getter'; readonly property: (typeof PROPERTIES)[number]; readonly value: number }
  | { readonly how: 'subclass'; readonly value: number }
  | { readonly how: 'proto'; readonly as: Kind }
  | { readonly how: 'proxy' | 'lookalike' | 'detach' | 'shrink' };

export interface HostileCase {
  readonly fn: 'getrandom' | 'randomFillSync' | 'getRandomValues';
  readonly kind: Kind;
  readonly memory: 'plain' | 'resizable' | 'shared' | 'growable';
  readonly elements: number;
  readonly offsetElements: number;
  /** randomFillSync's offset and size, in elements (undefined = omitted). */
  readonly args: readonly (number | undefined)[];
  readonly lies: readonly Lie[];
}

const lieArbitrary: fc.Arbitrary<Lie> = fc.oneof(
  { arbitrary: fc.record({ how: fc.constantFrom('own' as const, 'getter' as const), property: fc.constantFrom(...PROPERTIES), value: fc.oneof(fc.integer({ min: 0, max: MAX_LIE }), fc.constantFrom(0, 1, 8, 64, 65, MAX_LIE)) }), weight: 6 },
  { arbitrary: fc.record({ how: fc.constant('subclass' as const), value: fc.integer({ min: 0, max: MAX_LIE }) }), weight: 2 },
  { arbitrary: fc.record({ how: fc.constant('proto' as const), as: fc.constantFrom(...KINDS) }), weight: 1 },
  { arbitrary: fc.record({ how: fc.constantFrom('proxy' as const, 'lookalike' as const, 'detach' as const, 'shrink' as const) }), weight: 2 },
);

export const hostileArbitrary: fc.Arbitrary<HostileCase> = fc.record({
  fn: fc.constantFrom('getrandom' as const, 'randomFillSync' as const, 'getRandomValues' as const),
  kind: fc.constantFrom(...KINDS),
  memory: fc.constantFrom('plain' as const, 'resizable' as const, 'shared' as const, 'growable' as const),
  elements: fc.integer({ min: 0, max: 40 }),
  offsetElements: fc.integer({ min: 0, max: 6 }),
  args: fc.array(fc.option(fc.integer({ min: -1, max: 48 }), { nil: undefined }), { maxLength: 2 }),
  lies: fc.array(lieArbitrary, { minLength: 1, maxLength: 3 }),
});

type Api = Pick<typeof real, 'getrandom' | 'randomFillSync' | 'getRandomValues' | 'GetrandomError'>;

const CONSTRUCTORS: Record<Kind, new (buffer: ArrayBufferLike, offset: number, length?: number) => ArrayBufferView> = {
  Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array, Float32Array, Float64Array, DataView,
  Buffer: function (buffer: ArrayBufferLike, offset: number, length?: number) {
    return Buffer.from(buffer as ArrayBuffer, offset, length);
  } as unknown as new (buffer: ArrayBufferLike, offset: number, length?: number) => ArrayBufferView,
};
const elementSize = (kind: Kind) => (kind === 'DataView' || kind === 'Buffer' ? 1 : (CONSTRUCTORS[kind] as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT);

/** Node 20 has no ArrayBuffer.prototype.detached; constructing a view tells. */
function isDetached(buffer: ArrayBufferLike): boolean {
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

interface Arena {
  readonly argument: unknown;
  readonly buffer: ArrayBufferLike;
  readonly start: number;
  readonly end: number;
  readonly decoy: Uint8Array;
}

/** Builds the view, real memory guarded on both sides, and applies the lies (or none). */
function build(input: HostileCase, lying: boolean): Arena {
  const size = elementSize(input.kind);
  const start = 64 + input.offsetElements * size;
  const length = input.elements * size;
  const total = start + length + TAIL;
  const buffer =
    input.memory === 'shared' ? new SharedArrayBuffer(total)
    : input.memory === 'growable' ? new SharedArrayBuffer(total, { maxByteLength: total * 2 })
    : input.memory === 'resizable' ? new ArrayBuffer(total, { maxByteLength: total * 2 })
    : new ArrayBuffer(total);
  new Uint8Array(buffer).fill(GUARD);
  const decoy = new Uint8Array(MAX_LIE * 2);
  let argument: unknown = new CONSTRUCTORS[input.kind](buffer, start, input.kind === 'DataView' || input.kind === 'Buffer' ? length : input.elements);
  for (const lie of input.lies) {
    // Detaching and shrinking are facts, not lies: the honest twin gets them too.
    if (lie.how === 'detach' && buffer instanceof ArrayBuffer && !isDetached(buffer)) structuredClone(buffer, { transfer: [buffer] });
    else if (lie.how === 'shrink' && buffer instanceof ArrayBuffer && buffer.resizable && !isDetached(buffer)) buffer.resize(Math.max(0, start + Math.floor(length / 2)));
    else if (lying) argument = tell(argument, lie, input.kind, decoy, { buffer, start, count: input.kind === 'DataView' || input.kind === 'Buffer' ? length : input.elements });
  }
  return { argument, buffer, start, end: start + length, decoy };
}

/** `real` is where the view really is: a subclass is built there, never from a lying view. */
function tell(argument: unknown, lie: Lie, kind: Kind, decoy: Uint8Array, real: { buffer: ArrayBufferLike; start: number; count: number }): unknown {
  const fake = (value: number, property: string) => (property === 'buffer' ? decoy.buffer : value);
  switch (lie.how) {
    case 'own':
      return Object.defineProperty(argument as object, lie.property, { value: fake(lie.value, lie.property), configurable: true });
    case 'getter':
      return Object.defineProperty(argument as object, lie.property, { get: () => fake(lie.value, lie.property), configurable: true });
    case 'subclass': {
      const Base = kind === 'Buffer' ? Uint8Array : (CONSTRUCTORS[kind] as unknown as new (...args: unknown[]) => ArrayBufferView);
      const claimed = lie.value;
      class Lying extends (Base as new (...args: unknown[]) => object) {
        get byteLength() {
          return claimed;
        }
        get length() {
          return claimed;
        }
        get byteOffset() {
          return 0;
        }
      }
      try {
        return new Lying(real.buffer, real.start, real.count);
      } catch {
        return argument; // a detached buffer cannot be viewed again
      }
    }
    case 'proto':
      return Object.setPrototypeOf(argument as object, (CONSTRUCTORS[lie.as] === CONSTRUCTORS.Buffer ? Buffer : CONSTRUCTORS[lie.as]).prototype as object);
    case 'proxy':
      return new Proxy(argument as object, {});
    case 'lookalike':
      return Object.create(Object.getPrototypeOf(argument) as object);
    default:
      return argument;
  }
}

type Outcome = { ok: true } | { ok: false; name: string; code: unknown; error: unknown };

function invoke(api: Api | typeof crypto, input: HostileCase, argument: unknown): Outcome {
  try {
    const anyApi = api as unknown as Record<string, (...args: unknown[]) => unknown>;
    if (input.fn === 'getrandom') {
      if (api === crypto) crypto.randomFillSync(argument as Uint8Array);
      else anyApi['getrandom']!(argument);
    } else if (input.fn === 'randomFillSync') {
      const args = [...input.args];
      while (args.length > 0 && args.at(-1) === undefined) args.pop();
      anyApi['randomFillSync']!(argument, ...args);
    } else {
      anyApi['getRandomValues']!(argument);
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, name: (error as Error)?.name, code: (error as { code?: unknown })?.code, error };
  }
}

/** Why the case wrote outside the real view, or undefined. A shrunk buffer is grown back:
 *  the engine zeroes regrown bytes, so anything but 0 there was written past the end. */
function strayWrite(arena: Arena): string | undefined {
  if (arena.decoy.some((byte) => byte !== 0)) return 'the decoy buffer a lying `buffer` property pointed at was written';
  const { buffer } = arena;
  if (isDetached(buffer)) return undefined;
  const current = buffer.byteLength;
  if (buffer instanceof ArrayBuffer && buffer.resizable) buffer.resize(buffer.maxByteLength);
  const bytes = new Uint8Array(buffer);
  for (let at = 0; at < bytes.length; at += 1) {
    const inView = at >= arena.start && at < arena.end;
    if (at < current ? !inView && bytes[at] !== GUARD : bytes[at] !== 0) {
      return `byte ${at} was written, outside the real view [${arena.start}, ${Math.min(arena.end, current)})`;
    }
  }
  return undefined;
}

function isTyped(error: unknown, api: Api): boolean {
  if (error instanceof DOMException) return true;
  if (error instanceof api.GetrandomError) return typeof error.code === 'string';
  // V8's own TypeError for a detached or out-of-bounds DataView, as node:crypto throws.
  if (error instanceof TypeError && /detached|out of bounds/i.test(error.message)) return true;
  return (error instanceof TypeError || error instanceof RangeError) && typeof (error as { code?: unknown }).code === 'string';
}

/** Checks one case against `api` (the real façade, or a mutant of it). */
export function checkHostile(api: Api = real): Check<HostileCase> {
  return (input) => {
    const mine = build(input, true);
    const ours = invoke(api, input, mine.argument);
    if (!ours.ok && !isTyped(ours.error, api)) return { ok: false, operations: 1, message: `${input.fn} threw an untyped ${ours.name}: ${(ours.error as Error)?.message}` };
    const stray = strayWrite(mine);
    if (stray) return { ok: false, operations: 1, message: `${input.fn}: ${stray}` };
    const twin = build(input, false);
    // A Proxy or a look-alike is not a view at all: node:crypto rejects it before reading any
    // property, so it gets the object itself. A lying view goes to node:crypto honest, as
    // node:crypto trusts the properties and aborts the process on a lie that overstates.
    const liesAboutIdentity = !ArrayBuffer.isView(mine.argument);
    const theirs = liesAboutIdentity ? invoke(crypto, input, build(input, true).argument) : invoke(crypto, input, twin.argument);
    if (input.fn === 'getrandom') {
      // node:crypto has no getrandom; its randomFillSync stands in. A non-view is EFAULT;
      // where the twin is filled, so is ours (getrandom returns 0 where the twin has no memory).
      if (liesAboutIdentity && !(ours.ok === false && ours.code === 'EFAULT')) return { ok: false, operations: 1, message: `getrandom of a Proxy or look-alike gave ${describe(ours)}, not EFAULT` };
      if (!liesAboutIdentity && theirs.ok && !ours.ok) return { ok: false, operations: 1, message: `getrandom gave ${describe(ours)}; node:crypto's randomFillSync on the honest twin succeeded` };
      return { ok: true, operations: 1 };
    }
    const same = ours.ok === theirs.ok && (ours.ok || (!theirs.ok && ours.name === theirs.name && ours.code === theirs.code));
    if (!same) return { ok: false, operations: 1, message: `${input.fn} gave ${describe(ours)}; node:crypto on the honest twin gave ${describe(theirs)}` };
    return { ok: true, operations: 1 };
  };
}

function describe(outcome: Outcome): string {
  return outcome.ok ? 'success' : `${outcome.name} ${String(outcome.code)}`;
}

/**
 * The 0.1.0 façade, kept as a mutant: it reads the view's extent from its properties
 * (`view.byteLength`, `view.byteOffset`, `view.buffer`), as user code can redefine them.
 * The target must catch it. It writes through the syscall, and every case keeps 8 KiB of
 * guard after the view, more than any lie claims, so its wrong writes land in guard bytes.
 */
export const propertyReadingApi: Api = {
  GetrandomError: real.GetrandomError,
  getrandom(view: ArrayBufferView) {
    if (!ArrayBuffer.isView(view)) throw new real.GetrandomError('EFAULT', 'not a view', { errno: 14 });
    const length = view.byteLength;
    if (length > 0) getrandomSyscall(view, length, 0);
    return length;
  },
  randomFillSync<T>(buffer: T, offset = 0, size?: number): T {
    const source = buffer as unknown as ArrayBufferView;
    if (!ArrayBuffer.isView(source) && !(buffer instanceof ArrayBuffer) && !(buffer instanceof SharedArrayBuffer)) return real.randomFillSync(buffer as unknown as Uint8Array) as T;
    const element = (source as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    const total = (source as { byteLength: number }).byteLength;
    const start = offset * element;
    const length = size === undefined ? total - start : size * element;
    if (typeof offset !== 'number' || start < 0 || start > total || length < 0 || start + length > total) return real.randomFillSync(buffer as unknown as Uint8Array, offset, size) as T;
    const base = ArrayBuffer.isView(source) ? source.byteOffset : 0;
    const memory = ArrayBuffer.isView(source) ? source.buffer : (buffer as unknown as ArrayBuffer);
    if (length > 0) getrandomSyscall(new Uint8Array(memory, base + start, Math.min(length, memory.byteLength - base - start)), length, 0);
    return buffer;
  },
  getRandomValues<T extends ArrayBufferView | null>(view: T): T {
    if (!ArrayBuffer.isView(view) || view instanceof DataView || view instanceof Float32Array || view instanceof Float64Array) return real.getRandomValues(view);
    if (view.byteLength > 65_536) return real.getRandomValues(view);
    if (view.byteLength > 0) getrandomSyscall(view, view.byteLength, 0);
    return view;
  },
} as Api;
