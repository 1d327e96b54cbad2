// UUID text from given bytes: both writers (4 bytes at a time on little-endian hosts, a byte
// at a time on big-endian ones) must give exactly the RFC 9562 text, and the documented
// largest batch must work.
import { describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import { createEngine } from './engine.js';
import { rfcUuid } from './testing/uuid-reference.js';
import { LITTLE_ENDIAN, UUID_BYTES, UUID_LENGTH, uuidOf, uuidsOf } from './uuid.js';

/** 256 UUIDs' bytes in which every position takes every byte value once. */
function everyValueEverywhere(): Uint8Array {
  const bytes = new Uint8Array(256 * UUID_BYTES);
  for (let uuid = 0; uuid < 256; uuid += 1) for (let at = 0; at < UUID_BYTES; at += 1) bytes[uuid * UUID_BYTES + at] = (uuid + at * 17) & 0xff;
  return bytes;
}
const expected = (bytes: Uint8Array, count: number) => Array.from({ length: count }, (_, uuid) => rfcUuid(bytes.subarray(uuid * UUID_BYTES, (uuid + 1) * UUID_BYTES)));

describe('UUID text', () => {
  it('the host order is the one a Uint32Array stores in', () => {
    const probe = new Uint8Array(new Uint32Array([0x0102_0304]).buffer);
    expect(LITTLE_ENDIAN).toBe(probe[0] === 0x04);
  });

  it('uuidOf: every byte value at every position', () => {
    const bytes = everyValueEverywhere();
    expect(Array.from({ length: 256 }, (_, uuid) => uuidOf(bytes.subarray(uuid * UUID_BYTES)))).toEqual(expected(bytes, 256));
  });

  it.each([
    ['4 bytes at a time', true],
    ['a byte at a time (big-endian hosts)', false],
  ])('uuidsOf, %s: every byte value at every position', (_name, words) => {
    const bytes = everyValueEverywhere();
    const uuids = uuidsOf(bytes, 256, { words });
    expect(uuids).toEqual(expected(bytes, 256));
    for (const uuid of uuids) expect(uuid).toHaveLength(UUID_LENGTH);
  });

  it('uuidsOf: 0 UUIDs, and a prefix of the bytes when there are more than asked for', () => {
    const bytes = everyValueEverywhere();
    expect(uuidsOf(bytes, 0)).toEqual([]);
    expect(uuidsOf(bytes, 3)).toEqual(expected(bytes, 3));
  });

  it.each([
    ['4 bytes at a time', true, 300],
    ['a byte at a time', false, 300],
    ['more than one decode', true, 2500],
  ])('uuidsOf, %s: the text buffer is all zero afterwards (decision 0001)', (_name, words, count) => {
    const bytes = new Uint8Array(count * UUID_BYTES).fill(0xa5);
    const text = new ArrayBuffer(1024 * UUID_LENGTH);
    const uuids = uuidsOf(bytes, count, { words, text });
    expect(uuids).toHaveLength(count);
    expect(uuids[count - 1]).toBe(rfcUuid(bytes.subarray(0, UUID_BYTES)));
    expect(new Uint8Array(text).every((byte) => byte === 0)).toBe(true);
  });

  it('uuidsOf refuses a text buffer too small for one decode', () => {
    expect(() => uuidsOf(new Uint8Array(32), 2, { text: new ArrayBuffer(71) })).toThrow('the text buffer needs 72 bytes, not 71');
  });

  it('randomUUIDs wipes the bytes it drew (decision 0001)', () => {
    const filled: Uint8Array[] = [];
    const randomFillSync = ((view: Uint8Array) => {
      view.fill(0x5a);
      filled.push(view);
      return view;
    }) as never;
    const api = createApi(createEngine({ backend: 'crypto', randomFillSync }));
    expect(api.randomUUIDs(1500)).toHaveLength(1500);
    expect(filled.length).toBeGreaterThan(0);
    for (const view of filled) expect(view.every((byte) => byte === 0)).toBe(true);
  });

  it('uuidsOf refuses fewer bytes than the UUIDs need', () => {
    expect(() => uuidsOf(new Uint8Array(31), 2)).toThrow(RangeError);
    expect(() => uuidsOf(new Uint8Array(31), 2)).toThrow('2 UUIDs need 32 bytes, not 31');
  });

  it('randomUUIDs(2^24), the documented largest batch, returns 2^24 UUIDs (its text is longer than a V8 string can be)', () => {
    expect(2 ** 24 * UUID_LENGTH).toBeGreaterThan(2 ** 29 - 24);
    const api = createApi(createEngine({ backend: 'crypto' }));
    const uuids = api.randomUUIDs(2 ** 24);
    expect(uuids).toHaveLength(2 ** 24);
    const shape = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const index of [0, 1, 2 ** 23, 2 ** 24 - 2, 2 ** 24 - 1]) expect(uuids[index]).toMatch(shape);
    expect(new Set([uuids[0], uuids[2 ** 24 - 1], uuids[2 ** 23]]).size).toBe(3);
  }, 120_000);
});
