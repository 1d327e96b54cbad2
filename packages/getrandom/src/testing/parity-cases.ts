// The inputs every node:crypto-compatible function is tried with, good and bad, and the
// outcome of one call as a comparable record: the result's shape, or the error's name and code.
// parity.test.ts compares them on node:crypto's backend, exactness.native.test.ts on every one.
import crypto from 'node:crypto';

const noop = () => {};

export type Outcome = { ok: true; shape: string } | { ok: false; name: string; code: unknown };

export function outcome(action: () => unknown): Outcome {
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
export type Loose = Record<'randomFillSync' | 'randomFill' | 'randomBytes' | 'randomInt' | 'randomUUID' | 'getRandomValues', (...args: any[]) => any>;
export const node = crypto as unknown as Loose;
/** Our API (any engine) seen through the same loose shape. */
export const mine = (api: object): Loose => api as unknown as Loose;

const u8 = () => new Uint8Array(8);
export const cases: Array<[string, (api: Loose) => unknown]> = [
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
  ['randomBytes()', (api) => api.randomBytes()],
  ['randomFillSync()', (api) => api.randomFillSync()],
  ['randomFill()', (api) => api.randomFill()],
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
