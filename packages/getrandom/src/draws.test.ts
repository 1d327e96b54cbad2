// randomInt and randomInts draw integers from a byte stream we control here: every result
// must be exactly what rejection sampling gives over that stream (BigInt arithmetic, draw by
// draw), and no byte may stay behind. The statistical side, on the real backend, is in
// distribution.native.test.ts.
import { describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import { createEngine } from './engine.js';
import { rfcUuid } from './testing/uuid-reference.js';

/** A node:crypto stand-in that serves `stream`, then keeps every view it filled. */
function scripted(stream: Uint8Array) {
  let at = 0;
  const filled: Uint8Array[] = [];
  const randomFillSync = ((view: Uint8Array) => {
    if (at + view.length > stream.length) throw new Error(`the script ran out after ${at} bytes`);
    view.set(stream.subarray(at, at + view.length));
    at += view.length;
    filled.push(view);
    return view;
  }) as never;
  const engine = createEngine({ backend: 'crypto', randomFillSync });
  return { api: createApi(engine), engine, filled, used: () => at };
}

/** The draw width the package documents: the fewest bytes whose span is ≥ 64 × range, at most 6. */
function widthFor(range: number): number {
  for (let width = 1; width < 6; width += 1) if (2n ** BigInt(8 * width) >= 64n * BigInt(range)) return width;
  return 6;
}

/** The first `count` accepted draws of `stream`, as min + draw mod range. */
function reference(stream: Uint8Array, min: number, max: number, count: number): number[] {
  const range = BigInt(max - min);
  const width = widthFor(max - min);
  const span = 2n ** BigInt(8 * width);
  const limit = span - (span % range);
  const out: number[] = [];
  for (let at = 0; out.length < count; at += width) {
    if (at + width > stream.length) throw new Error('the stream is too short for the reference');
    let draw = 0n;
    for (let index = 0; index < width; index += 1) draw = (draw << 8n) | BigInt(stream[at + index]!);
    if (draw < limit) out.push(Number(BigInt(min) + (draw % range)));
  }
  return out;
}

/** A stream that opens with one draw of all ones (rejected unless the range divides the span), then pseudo-random bytes. */
function streamFor(length: number, seed: number, width: number): Uint8Array {
  const stream = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let index = 0; index < length; index += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    stream[index] = x & 0xff;
  }
  stream.fill(0xff, 0, width);
  return stream;
}

const MAX = Number.MAX_SAFE_INTEGER;
// Each side of every width boundary, and the extremes.
const ranges: Array<[number, number]> = [
  [0, 2], [0, 3], [0, 4], [0, 5], [0, 1000], [0, 1024], [0, 1025], [-7, 2 ** 18 - 7], [0, 2 ** 18 + 1],
  [0, 2 ** 26], [0, 2 ** 26 + 1], [0, 3 * 2 ** 30], [0, 2 ** 34], [0, 2 ** 34 + 1], [0, 2 ** 48 - 1],
  [MAX - 3, MAX], [-MAX, -MAX + 2 ** 48 - 1],
];

describe('integers are exactly rejection sampling over the bytes drawn', () => {
  it.each(ranges)('randomInt(%s, %s): the all-ones draw is redrawn unless the range divides its span', (min, max) => {
    const width = widthFor(max - min);
    const stream = streamFor(64, max - min, width);
    const { api, used } = scripted(stream);
    expect(api.randomInt(min, max)).toBe(reference(stream, min, max, 1)[0]);
    const dividesSpan = 2 ** (8 * width) % (max - min) === 0;
    // The test exercises rejection: the all-ones draw, then (unless it was valid) the next, which is.
    expect(used()).toBe(dividesSpan ? width : 2 * width);
  });

  it.each(ranges)('randomInts(%s, %s, 3000) is the first 3000 accepted draws, in order', (min, max) => {
    const width = widthFor(max - min);
    const stream = streamFor(3000 * 6 * 3, (max - min) * 7 + 1, width);
    // Make one draw in ten all ones, so that redraw rounds happen at every width.
    for (let at = 0; at + width <= stream.length; at += 10 * width) stream.fill(0xff, at, at + width);
    const { api, filled } = scripted(stream);
    const values = api.randomInts(min, max, 3000);
    expect(values).toEqual(reference(stream, min, max, 3000));
    if (2 ** (8 * width) % (max - min) !== 0) expect(filled.length).toBeGreaterThan(1);
    // Nothing drawn is kept: every buffer the bytes went through is zero again.
    for (const view of filled) expect(view.every((byte) => byte === 0)).toBe(true);
  });

  it('a width is the fewest bytes that reject at most one draw in 64', () => {
    for (const [min, max] of ranges) {
      const range = max - min;
      const width = widthFor(range);
      const span = 2 ** (8 * width);
      if (width < 6) expect((span % range) / span).toBeLessThanOrEqual(1 / 64);
      if (width > 1) expect(2 ** (8 * (width - 1))).toBeLessThan(64 * range);
    }
  });

  it('power: the check fails for a draw that skips rejection (plain modulo)', () => {
    const stream = streamFor(64, 5, 6);
    const plainModulo = (min: number, max: number) => {
      const width = widthFor(max - min);
      let draw = 0;
      for (let index = 0; index < width; index += 1) draw = draw * 256 + stream[index]!;
      return min + (draw % (max - min));
    };
    const caught = ranges.filter(([min, max]) => plainModulo(min, max) !== reference(stream, min, max, 1)[0]);
    // Every range whose span it does not divide tells the two apart.
    expect(caught.length).toBe(ranges.filter(([min, max]) => 2 ** (8 * widthFor(max - min)) % (max - min) !== 0).length);
  });

  it('randomInt wipes the scratch it drew in, also when it redraws', () => {
    const { api, engine } = scripted(streamFor(64, 9, 1));
    api.randomInt(5);
    expect(engine.scratchSnapshot().every((byte) => byte === 0)).toBe(true);
  });

  it('randomInts(…, 0) draws nothing', () => {
    const { api, used } = scripted(new Uint8Array(0));
    expect(api.randomInts(0, 10, 0)).toEqual([]);
    expect(used()).toBe(0);
  });
});

describe('UUIDs are exactly the bytes drawn, in RFC 9562 version 4 text', () => {
  it.each([
    ['counting bytes', Uint8Array.from({ length: 16 }, (_, index) => index)],
    ['all ones', new Uint8Array(16).fill(0xff)],
    ['all zeros', new Uint8Array(16)],
    ['a xorshift stream', streamFor(16, 77, 1)],
  ])('randomUUID() over %s', (_name, stream) => {
    const { api, engine } = scripted(stream);
    const uuid = api.randomUUID();
    expect(uuid).toBe(rfcUuid(stream));
    expect(uuid).toHaveLength(36);
    expect(engine.scratchSnapshot().every((byte) => byte === 0)).toBe(true);
  });

  it('the fixed points: all ones gives ffffffff-ffff-4fff-bfff-ffffffffffff', () => {
    expect(scripted(new Uint8Array(16).fill(0xff)).api.randomUUID()).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(scripted(new Uint8Array(16)).api.randomUUID()).toBe('00000000-0000-4000-8000-000000000000');
  });

  it('every byte value at every position: 256 UUIDs, single and bulk, agree with the reference', () => {
    const stream = new Uint8Array(256 * 16);
    for (let uuid = 0; uuid < 256; uuid += 1) for (let at = 0; at < 16; at += 1) stream[uuid * 16 + at] = (uuid + at * 17) & 0xff;
    const expected = Array.from({ length: 256 }, (_, uuid) => rfcUuid(stream.subarray(uuid * 16, uuid * 16 + 16)));
    const single = scripted(stream);
    expect(Array.from({ length: 256 }, () => single.api.randomUUID())).toEqual(expected);
    expect(scripted(stream).api.randomUUIDs(256)).toEqual(expected);
  });
});

describe('the batch functions refuse bad arguments before drawing anything', () => {
  const lying = [
    ['a numeric string', '3'],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['2^53', 2 ** 53],
    ['a BigInt', 3n],
    ['an object whose valueOf says 3', { valueOf: () => 3 }],
    ['a Number object', Object(3)],
    ['null', null],
    ['undefined', undefined],
  ] as const;

  it.each(lying)('randomUUIDs(%s): ERR_INVALID_ARG_TYPE, nothing drawn', (_name, count) => {
    const { api, used } = scripted(new Uint8Array(0));
    expect(() => api.randomUUIDs(count as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"count" argument must be a safe integer') }));
    expect(used()).toBe(0);
  });

  it.each(lying)('randomInts(0, 10, %s): ERR_INVALID_ARG_TYPE, nothing drawn', (_name, count) => {
    const { api, used } = scripted(new Uint8Array(0));
    expect(() => api.randomInts(0, 10, count as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"count" argument must be a safe integer') }));
    expect(used()).toBe(0);
  });

  it.each(lying)('randomInts(%s, …) as min, and as max: ERR_INVALID_ARG_TYPE', (_name, bound) => {
    const { api, used } = scripted(new Uint8Array(0));
    expect(() => api.randomInts(bound as never, 10, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"min" argument') }));
    expect(() => api.randomInts(0, bound as never, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"max" argument') }));
    expect(used()).toBe(0);
  });

  it.each([-1, 2 ** 24 + 1, -(2 ** 53 - 1)])('count %d is out of range for both: ERR_OUT_OF_RANGE naming the bounds', (count) => {
    const { api, used } = scripted(new Uint8Array(0));
    const refusal = expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining(`It must be >= 0 && <= ${2 ** 24}`) });
    expect(() => api.randomUUIDs(count)).toThrow(refusal);
    expect(() => api.randomInts(0, 10, count)).toThrow(refusal);
    expect(used()).toBe(0);
  });

  it('randomInts: max must be above min, and the range at most 2^48 − 1', () => {
    const { api, used } = scripted(new Uint8Array(0));
    expect(() => api.randomInts(5, 5, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining('greater than the value of "min" (5)') }));
    expect(() => api.randomInts(5, 4, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => api.randomInts(0, 2 ** 48, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining('"max - min"') }));
    expect(() => api.randomInts(-(2 ** 47), 2 ** 47, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(used()).toBe(0);
  });

  it('randomInts(0, 10, 2^24), the largest batch, is accepted and every value is in range', () => {
    const api = createApi(createEngine({ backend: 'crypto' }));
    const values = api.randomInts(0, 10, 2 ** 24);
    expect(values).toHaveLength(2 ** 24);
    let outside = 0;
    for (const value of values) if (!(value >= 0 && value < 10 && Number.isInteger(value))) outside += 1;
    expect(outside).toBe(0);
  }, 60_000);

  it('the largest range, 2^48 − 1, is accepted and drawn 6 bytes a value', () => {
    const { api, used } = scripted(new Uint8Array(6).fill(0x01));
    expect(api.randomInts(0, 2 ** 48 - 1, 1)).toEqual([0x0101_0101_0101]);
    expect(used()).toBe(6);
  });
});
