// Every input, good or bad, goes through node:crypto and through ours: the same result
// shape, or the same error (name and code) for the same mistake.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import { createEngine } from './engine.js';

// Validation does not depend on the backend; node:crypto's keeps this test pure.
const ours = createApi(createEngine({ backend: 'crypto' }));
const noop = () => {};

type Outcome = { ok: true; shape: string } | { ok: false; name: string; code: unknown };

function outcome(action: () => unknown): Outcome {
  try {
    const value = action();
    const shape =
      value === undefined ? 'undefined' : typeof value === 'object' && value !== null ? `${value.constructor.name}(${(value as ArrayBufferView).byteLength ?? ''})` : typeof value;
    return { ok: true, shape };
  } catch (error) {
    return { ok: false, name: (error as Error).name, code: (error as { code?: unknown }).code };
  }
}

/** Both APIs seen through one loose shape: the cases pass wrong types on purpose. */
type Loose = Record<'randomFillSync' | 'randomFill' | 'randomBytes' | 'randomInt' | 'randomUUID' | 'getRandomValues', (...args: any[]) => any>;
const node = crypto as unknown as Loose;
const mine = ours as unknown as Loose;

const u8 = () => new Uint8Array(8);
const cases: Array<[string, (api: Loose) => unknown]> = [
  ['randomFillSync(buf)', (api) => api.randomFillSync(Buffer.alloc(8))],
  ['randomFillSync(1)', (api) => api.randomFillSync(1)],
  ['randomFillSync("abc")', (api) => api.randomFillSync('abc')],
  ['randomFillSync(null)', (api) => api.randomFillSync(null)],
  ['randomFillSync(buf, -1)', (api) => api.randomFillSync(u8(), -1)],
  ['randomFillSync(buf, 9)', (api) => api.randomFillSync(u8(), 9)],
  ['randomFillSync(buf, "1")', (api) => api.randomFillSync(u8(), '1')],
  ['randomFillSync(buf, NaN)', (api) => api.randomFillSync(u8(), Number.NaN)],
  ['randomFillSync(buf, 1.5)', (api) => api.randomFillSync(u8(), 1.5)],
  ['randomFillSync(buf, null)', (api) => api.randomFillSync(u8(), null)],
  ['randomFillSync(buf, 0, 9)', (api) => api.randomFillSync(u8(), 0, 9)],
  ['randomFillSync(buf, 4, 5)', (api) => api.randomFillSync(u8(), 4, 5)],
  ['randomFillSync(buf, 0, -1)', (api) => api.randomFillSync(u8(), 0, -1)],
  ['randomFillSync(buf, 0, "2")', (api) => api.randomFillSync(u8(), 0, '2')],
  ['randomFillSync(buf, undefined, 3)', (api) => api.randomFillSync(u8(), undefined, 3)],
  ['randomFillSync(u32, 1, 2)', (api) => api.randomFillSync(new Uint32Array(4), 1, 2)],
  ['randomFillSync(u32, 3, 2)', (api) => api.randomFillSync(new Uint32Array(4), 3, 2)],
  ['randomFillSync(ArrayBuffer)', (api) => api.randomFillSync(new ArrayBuffer(8))],
  ['randomFillSync(SharedArrayBuffer)', (api) => api.randomFillSync(new SharedArrayBuffer(8))],
  ['randomFillSync(DataView, 1, 2)', (api) => api.randomFillSync(new DataView(new ArrayBuffer(8)), 1, 2)],
  ['randomFillSync(empty)', (api) => api.randomFillSync(new Uint8Array(0))],
  ['randomFill(buf)', (api) => api.randomFill(u8(), undefined)],
  ['randomFill(buf, 1)', (api) => api.randomFill(u8(), 1)],
  ['randomFill(1, cb)', (api) => api.randomFill(1, noop)],
  ['randomFill(buf, 9, cb)', (api) => api.randomFill(u8(), 9, noop)],
  ['randomFill(u32, 1, cb)', (api) => api.randomFill(new Uint32Array(4), 1, noop)],
  ['randomFill(buf, 1, 2, 3)', (api) => api.randomFill(u8(), 1, 2, 3)],
  ['randomFill(buf, 0, 9, cb)', (api) => api.randomFill(u8(), 0, 9, noop)],
  ['randomBytes(8)', (api) => api.randomBytes(8)],
  ['randomBytes(0)', (api) => api.randomBytes(0)],
  ['randomBytes(-1)', (api) => api.randomBytes(-1)],
  ['randomBytes("1")', (api) => api.randomBytes('1')],
  ['randomBytes(1.5)', (api) => api.randomBytes(1.5)],
  ['randomBytes(NaN)', (api) => api.randomBytes(Number.NaN)],
  ['randomBytes(2**31)', (api) => api.randomBytes(2 ** 31)],
  ['randomBytes(1, 1)', (api) => api.randomBytes(1, 1)],
  ['randomBytes(8, cb)', (api) => api.randomBytes(8, noop)],
  ['randomInt()', (api) => api.randomInt()],
  ['randomInt(10)', (api) => api.randomInt(10)],
  ['randomInt(-5, 5)', (api) => api.randomInt(-5, 5)],
  ['randomInt(1.5)', (api) => api.randomInt(1.5)],
  ['randomInt(0)', (api) => api.randomInt(0)],
  ['randomInt(5, 5)', (api) => api.randomInt(5, 5)],
  ['randomInt(6, 5)', (api) => api.randomInt(6, 5)],
  ['randomInt(0, 2**48)', (api) => api.randomInt(0, 2 ** 48)],
  ['randomInt(2**48)', (api) => api.randomInt(2 ** 48)],
  ['randomInt(0, 2**48 - 1)', (api) => api.randomInt(0, 2 ** 48 - 1)],
  ['randomInt("1")', (api) => api.randomInt('1')],
  ['randomInt(1, "2")', (api) => api.randomInt(1, '2')],
  ['randomInt(1, 2, 3)', (api) => api.randomInt(1, 2, 3)],
  ['randomInt(1, 2**53)', (api) => api.randomInt(1, 2 ** 53)],
  ['randomInt(10, cb)', (api) => api.randomInt(10, noop)],
  ['randomInt(NaN)', (api) => api.randomInt(Number.NaN)],
  ['randomUUID()', (api) => api.randomUUID()],
  ['randomUUID({})', (api) => api.randomUUID({})],
  ['randomUUID({ disableEntropyCache: true })', (api) => api.randomUUID({ disableEntropyCache: true })],
  ['randomUUID(1)', (api) => api.randomUUID(1)],
  ['randomUUID(null)', (api) => api.randomUUID(null)],
  // Found by the facade fuzz target: arrays are not options objects.
  ['randomUUID([1, 2])', (api) => api.randomUUID([1, 2])],
  ['randomUUID([])', (api) => api.randomUUID([])],
  ['randomUUID(() => {})', (api) => api.randomUUID(() => {})],
  ['randomUUID(new Date())', (api) => api.randomUUID(new Date())],
  ['randomUUID({ disableEntropyCache: 1 })', (api) => api.randomUUID({ disableEntropyCache: 1 })],
  ['getRandomValues()', (api) => api.getRandomValues()],
  ['getRandomValues(1)', (api) => api.getRandomValues(1)],
  ['getRandomValues(Float32Array)', (api) => api.getRandomValues(new Float32Array(2))],
  ['getRandomValues(Float64Array)', (api) => api.getRandomValues(new Float64Array(2))],
  ['getRandomValues(DataView)', (api) => api.getRandomValues(new DataView(new ArrayBuffer(2)))],
  ['getRandomValues(ArrayBuffer)', (api) => api.getRandomValues(new ArrayBuffer(2))],
  ['getRandomValues(Uint8Array 65537)', (api) => api.getRandomValues(new Uint8Array(65_537))],
  ['getRandomValues(Uint8Array 65536)', (api) => api.getRandomValues(new Uint8Array(65_536))],
  ['getRandomValues(Uint32Array 16385)', (api) => api.getRandomValues(new Uint32Array(16_385))],
  ['getRandomValues(BigInt64Array)', (api) => api.getRandomValues(new BigInt64Array(2))],
  ['getRandomValues(Uint8ClampedArray)', (api) => api.getRandomValues(new Uint8ClampedArray(2))],
  ['getRandomValues(Buffer)', (api) => api.getRandomValues(Buffer.alloc(2))],
];

describe('parity with node:crypto', () => {
  it.each(cases)('%s', (_label, call) => {
    const theirs = outcome(() => call(node));
    expect(outcome(() => call(mine))).toEqual(theirs);
  });

  it('error messages read like node:crypto', () => {
    const message = (call: (api: Loose) => unknown, api: Loose) => {
      try {
        call(api);
      } catch (error) {
        return (error as Error).message;
      }
      return undefined;
    };
    for (const [label, call] of cases) {
      const theirs = message(call, node);
      if (theirs !== undefined) expect(message(call, mine), label).toBe(theirs);
    }
  });

  it('randomUUID has the RFC 9562 version 4 form', () => {
    for (let index = 0; index < 1000; index += 1) {
      expect(ours.randomUUID()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    for (const uuid of ours.randomUUIDs(1000)) expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('the async forms call back with the filled value', async () => {
    const buffer = new Uint8Array(3 << 20);
    const filled = await new Promise<Uint8Array>((resolve, reject) => ours.randomFill(buffer, (error, value) => (error ? reject(error) : resolve(value))));
    expect(filled).toBe(buffer);
    expect(buffer.subarray(buffer.length - 64).some((byte) => byte !== 0)).toBe(true);
    const bytes = await new Promise<Buffer>((resolve, reject) => ours.randomBytes(32, (error, value) => (error ? reject(error) : resolve(value))));
    expect(bytes).toHaveLength(32);
    const integer = await new Promise<number>((resolve, reject) => ours.randomInt(5, 7, (error, value) => (error ? reject(error) : resolve(value))));
    expect([5, 6]).toContain(integer);
  });

  it('randomInt covers its range without bias', () => {
    const counts = new Array<number>(6).fill(0);
    for (let index = 0; index < 60_000; index += 1) counts[ours.randomInt(6)]! += 1;
    // Each face expects 10 000; 5 standard deviations is about 456.
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(460);
    expect(ours.randomInt(-3, -2)).toBe(-3);
  });
});
