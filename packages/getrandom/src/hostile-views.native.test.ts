// Buffers that lie: own properties and getters that misreport a view's extent, subclasses,
// Proxies, look-alikes, detached and resized buffers. Every case sits inside guard bytes of
// the real memory, on every backend this host has: nothing outside the real view is ever
// written, nothing crashes, and the outcome is node:crypto's for the honest twin of the view
// (the same memory without the lie).
import crypto from 'node:crypto';
import { discoverParams } from '@vgetrandom/params';
import { describe, expect, it } from 'vitest';
import { type RandomApi, createApi } from './api.js';
import { createEngine } from './engine.js';

const GUARD = 0xa5;
const vdsoHere = process.platform === 'linux' && discoverParams().supported;
const nativeHere = process.platform === 'linux';

type Kind = 'Uint8Array' | 'Int8Array' | 'Uint8ClampedArray' | 'Int16Array' | 'Uint16Array' | 'Int32Array' | 'Uint32Array' | 'BigInt64Array' | 'BigUint64Array' | 'Float32Array' | 'Float64Array' | 'DataView';
const CONSTRUCTORS = { Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array, Float32Array, Float64Array, DataView } as const;
const KINDS = Object.keys(CONSTRUCTORS) as Kind[];

/** A view of `bytes` real bytes at byte 64 of a 256-byte buffer whose every byte is GUARD. */
function arena(kind: Kind, bytes = 64, buffer: ArrayBufferLike = new ArrayBuffer(256)) {
  const all = new Uint8Array(buffer).fill(GUARD);
  const Type = CONSTRUCTORS[kind] as unknown as new (buffer: ArrayBufferLike, offset: number, length: number) => ArrayBufferView;
  const elementSize = kind === 'DataView' ? 1 : (CONSTRUCTORS[kind] as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const view = new Type(buffer, 64, bytes / elementSize);
  return { all, view, start: 64, end: 64 + bytes, Type };
}

/** Bytes outside [start, end) that are no longer GUARD. */
function outside(all: Uint8Array, start: number, end: number): number {
  let changed = 0;
  for (let index = 0; index < all.length; index += 1) if ((index < start || index >= end) && all[index] !== GUARD) changed += 1;
  return changed;
}

/** Bytes inside [start, end) that changed: a 64-byte random fill changes nearly all. */
function inside(all: Uint8Array, start: number, end: number): number {
  let changed = 0;
  for (let index = start; index < end; index += 1) if (all[index] !== GUARD) changed += 1;
  return changed;
}

type Lie = { readonly name: string; readonly apply: (view: ArrayBufferView, kind: Kind) => ArrayBufferView };
const own = (property: string, value: unknown): Lie => ({
  name: `own ${property} = ${String(value)}`,
  apply: (view) => Object.defineProperty(view, property, { value, configurable: true }),
});
const bigBuffer = new ArrayBuffer(8192);
const lies: Lie[] = [
  own('byteLength', 4096),
  own('byteLength', 8),
  own('byteOffset', 0),
  own('byteOffset', 190),
  own('length', 4096),
  own('buffer', bigBuffer),
  own('BYTES_PER_ELEMENT', 64),
  {
    name: 'subclass with lying getters',
    apply: (view, kind) => {
      const Base = CONSTRUCTORS[kind] as unknown as new (...args: unknown[]) => ArrayBufferView;
      class Lying extends Base {
        override get byteLength() {
          return 4096;
        }
        override get byteOffset() {
          return 0;
        }
        get length() {
          return 4096;
        }
        override get buffer() {
          return bigBuffer;
        }
      }
      const source = view as unknown as { buffer: ArrayBuffer; byteOffset: number; byteLength: number };
      const elementSize = kind === 'DataView' ? 1 : (Base as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      return new Lying(source.buffer, source.byteOffset, source.byteLength / elementSize);
    },
  },
  {
    name: 'prototype swapped for another kind',
    apply: (view, kind) => Object.setPrototypeOf(view, kind === 'Float64Array' ? Uint8Array.prototype : Float64Array.prototype),
  },
];

type Call = (api: RandomApi, argument: unknown) => Promise<unknown> | unknown;
const calls: Array<[string, Call, (kind: Kind) => boolean]> = [
  ['getrandom', (api, argument) => api.getrandom(argument as ArrayBufferView), () => true],
  ['randomFillSync', (api, argument) => api.randomFillSync(argument as ArrayBufferView), () => true],
  ['randomFillSync(offset 1)', (api, argument) => api.randomFillSync(argument as ArrayBufferView, 1), () => true],
  ['getRandomValues', (api, argument) => api.getRandomValues(argument as ArrayBufferView), (kind) => !kind.startsWith('Float') && kind !== 'DataView'],
  [
    'randomFill',
    (api, argument) => new Promise((resolve, reject) => api.randomFill(argument as ArrayBufferView, (error, value) => (error ? reject(error) : resolve(value)))),
    () => true,
  ],
];

async function outcome(action: () => unknown): Promise<{ ok: true } | { ok: false; name: string; code: unknown }> {
  try {
    await action();
    return { ok: true };
  } catch (error) {
    return { ok: false, name: (error as Error).name, code: (error as { code?: unknown }).code };
  }
}

// node:crypto, with randomFillSync standing in for getrandom (which it does not have).
const reference = { ...crypto, getrandom: (view: ArrayBufferView) => crypto.randomFillSync(view as Uint8Array) } as unknown as RandomApi;

const backends = [
  ['vdso', vdsoHere],
  ['syscall', nativeHere],
  ['crypto', true],
] as const;

for (const [backend, available] of backends) {
  describe.skipIf(!available)(`on the ${backend} backend${available ? '' : ' (not available on this host)'}`, () => {
    const api = createApi(createEngine({ backend }));

    for (const [callName, call, accepts] of calls) {
      for (const lie of lies) {
        it.each(KINDS.filter(accepts))(`${callName}: ${lie.name} on a %s writes only the real view`, async (kind) => {
          const { all, view, start, end } = arena(kind);
          const hostile = lie.apply(view, kind);
          const ours = await outcome(() => call(api, hostile));
          // The honest twin: the same real memory, no lie, through node:crypto.
          const twin = arena(kind);
          const theirs = await outcome(() => call(reference, twin.view));
          expect(ours).toEqual(theirs);
          expect(outside(all, start, end)).toBe(0);
          expect(new Uint8Array(bigBuffer).every((byte) => byte === 0)).toBe(true);
          const twinFilled = inside(twin.all, twin.start, twin.end);
          if (ours.ok && twinFilled === 0) expect(inside(all, start, end)).toBe(0);
          if (ours.ok && twinFilled > 32) expect(inside(all, start, end)).toBeGreaterThan(32);
        });
      }

      it(`${callName}: a Proxy around a view and a look-alike object get node:crypto's error`, async () => {
        for (const make of [() => new Proxy(new Uint8Array(64), {}), () => Object.create(Uint8Array.prototype), () => Object.create(DataView.prototype)]) {
          const ours = await outcome(() => call(api, make()));
          const theirs = await outcome(() => call(crypto as unknown as RandomApi, make()));
          expect(ours.ok).toBe(false);
          if (callName !== 'getrandom') expect(ours).toEqual(theirs);
          else expect(ours).toMatchObject({ name: 'GetrandomError', code: 'EFAULT' });
        }
      });

      it(`${callName}: a detached view writes nothing and matches node:crypto`, async () => {
        for (const kind of KINDS.filter(accepts)) {
          const { view } = arena(kind);
          structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] });
          const twin = arena(kind);
          structuredClone(twin.view.buffer, { transfer: [twin.view.buffer as ArrayBuffer] });
          const ours = await outcome(() => call(api, view));
          const theirs = await outcome(() => call(reference, twin.view));
          if (callName === 'getrandom') expect(ours, kind).toEqual({ ok: true });
          else expect(ours, kind).toEqual(theirs);
        }
      });

      it(`${callName}: views over shrunk resizable buffers write only what is still there`, async () => {
        for (const kind of KINDS.filter(accepts)) {
          for (const tracking of [false, true]) {
            const build = () => {
              const buffer = new ArrayBuffer(256, { maxByteLength: 1024 });
              const all = new Uint8Array(buffer).fill(GUARD);
              const Type = CONSTRUCTORS[kind] as unknown as new (buffer: ArrayBufferLike, offset: number, length?: number) => ArrayBufferView;
              const size = kind === 'DataView' ? 1 : (Type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
              const view = tracking ? new Type(buffer, 64) : new Type(buffer, 64, 64 / size);
              buffer.resize(96); // a fixed view is now out of bounds; a tracking one has 32 bytes
              return { buffer, all, view };
            };
            const { buffer, all, view } = build();
            const ours = await outcome(() => call(api, view));
            const theirs = await outcome(() => call(reference, build().view));
            if (callName === 'getrandom') expect(ours.ok, `${kind} ${tracking}`).toBe(true);
            else expect(ours, `${kind} ${tracking}`).toEqual(theirs);
            buffer.resize(1024); // bytes past 96 come back zeroed by the engine unless something wrote there
            expect(outside(all.subarray(0, 64), 0, 0), `${kind} ${tracking}`).toBe(0);
            expect(new Uint8Array(buffer, 96).every((byte) => byte === 0), `${kind} ${tracking}`).toBe(true);
          }
        }
      });

      it(`${callName}: a getter that shrinks or detaches the buffer when read cannot open a window`, async () => {
        for (const action of ['resize', 'transfer'] as const) {
          const buffer = new ArrayBuffer(256, { maxByteLength: 1024 });
          new Uint8Array(buffer).fill(GUARD);
          const view = new Uint8Array(buffer, 64, 64);
          for (const property of ['byteLength', 'byteOffset', 'length', 'buffer', 'BYTES_PER_ELEMENT']) {
            Object.defineProperty(view, property, {
              get() {
                if (action === 'resize') buffer.resize(64);
                else structuredClone(buffer, { transfer: [buffer] });
                return 1;
              },
            });
          }
          const ours = await outcome(() => call(api, view));
          if (ours.ok === false) expect(ours.name).toBe('TypeError');
          if (action === 'resize') {
            buffer.resize(1024);
            expect(new Uint8Array(buffer, 0, 64).every((byte) => byte === GUARD)).toBe(true);
            expect(new Uint8Array(buffer, 128).every((byte) => byte === 0 || byte === GUARD)).toBe(true);
          }
        }
      });

      it(`${callName}: SharedArrayBuffers, growable or not, are filled inside their guards`, async () => {
        for (const buffer of [new SharedArrayBuffer(256), new SharedArrayBuffer(256, { maxByteLength: 1024 })]) {
          const { all, view, start, end } = arena('Uint8Array', 64, buffer);
          const ours = await outcome(() => call(api, view));
          expect(ours).toEqual({ ok: true });
          expect(outside(all, start, end)).toBe(0);
          expect(inside(all, start + (callName.includes('offset') ? 1 : 0), end)).toBeGreaterThan(32);
        }
      });
    }

    it.each([
      ['ArrayBuffer', () => new ArrayBuffer(64)],
      ['SharedArrayBuffer', () => new SharedArrayBuffer(64)],
    ])('randomFillSync on an %s with a spoofed byteLength fills only its real 64 bytes', (_name, make) => {
      const buffer = make();
      Object.defineProperty(buffer, 'byteLength', { value: 1 << 20 });
      expect(api.randomFillSync(buffer)).toBe(buffer);
      expect(new Uint8Array(buffer).filter((byte) => byte !== 0).length).toBeGreaterThan(32);
      expect(() => api.randomFillSync(buffer, 65)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    });

    it('getRandomValues judges the quota on the real length, not a spoofed one', () => {
      const small = Object.defineProperty(new Uint8Array(16), 'byteLength', { value: 1 << 20 });
      expect(api.getRandomValues(small)).toBe(small);
      const large = Object.defineProperty(new Uint8Array(65_537), 'byteLength', { value: 16 });
      expect(() => api.getRandomValues(large)).toThrow(expect.objectContaining({ name: 'QuotaExceededError' }));
    });
  });
}
