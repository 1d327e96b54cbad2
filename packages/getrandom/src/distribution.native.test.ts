// The distribution of every output path, on this host's real backend. Each check runs at
// ALPHA = 1e-8 (see testing/statistics.ts); each is also run once against a deliberately
// biased generator of the kind that shipped before, and must fail there.
import { randomFillSync as cryptoFill } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import { createEngine } from './engine.js';
import { getRandomValues, getrandom, randomBytes, randomFill, randomFillSync, randomInt, randomInts, randomUUID, randomUUIDs } from './index.js';
import { bitBalance, uniformIntegers } from './testing/statistics.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** The 0.1.0 draw: operator precedence truncated the 48-bit sum to 32 bits. */
function oldRandomInt(min: number, max: number): number {
  const range = max - min;
  const limit = 0xffff_ffff_ffff - (0xffff_ffff_ffff % range);
  const scratch = new Uint8Array(6);
  let value: number;
  do {
    cryptoFill(scratch);
    // eslint-disable-next-line no-mixed-operators
    value = scratch[0]! * 2 ** 40 + scratch[1]! * 2 ** 32 + ((scratch[2]! << 24) | (scratch[3]! << 16) | (scratch[4]! << 8) | scratch[5]!) >>> 0;
  } while (value >= limit);
  return min + (value % range);
}

// [min, max) as randomInt takes them, and how many buckets to count in.
const ranges: Array<[string, number, number, number]> = [
  ['2', 0, 2, 2],
  ['3', 0, 3, 3],
  ['1000', 0, 1000, 1000],
  ['10^9', 0, 1e9, 256],
  ['2^32 + 1', 0, 2 ** 32 + 1, 256],
  ['3·2^30', 0, 3 * 2 ** 30, 3],
  ['3·2^30 (fine)', 0, 3 * 2 ** 30, 384],
  ['2^48 − 1', 0, 2 ** 48 - 1, 256],
  ['2^48 − 1 below MAX_SAFE_INTEGER', MAX - (2 ** 48 - 1), MAX, 256],
  // Each side of every draw-width boundary (1 byte up to 4, 2 up to 1024, 3 up to 2^18, 4 up to 2^26, 5 up to 2^34).
  ['4', 0, 4, 4],
  ['5', 0, 5, 5],
  ['1024', 0, 1024, 1024],
  ['1025', 0, 1025, 1025],
  ['2^18 + 1', 0, 2 ** 18 + 1, 256],
  ['2^26 + 1', 0, 2 ** 26 + 1, 256],
  ['2^34 + 1', 0, 2 ** 34 + 1, 256],
  ['2^48 − 1 above −MAX_SAFE_INTEGER', -MAX, -MAX + 2 ** 48 - 1, 256],
  ['3 at MAX_SAFE_INTEGER', MAX - 3, MAX, 3],
  ['10^9 straddling 0', -5e8, 5e8, 256],
];
const DRAWS = 120_000;

describe('randomInt: uniform over the whole range', () => {
  it.each(ranges)('range %s: chi-square passes and the top bucket is reached', (_name, min, max, buckets) => {
    const samples = Array.from({ length: DRAWS }, () => randomInt(min, max));
    const result = uniformIntegers(samples, min, max, buckets);
    expect(result.passed, result.detail).toBe(true);
    expect(result.counts[buckets - 1]).toBeGreaterThan(0);
  });

  it.each(ranges)('randomInts, range %s: one batch passes the same chi-square and reaches the top bucket', (_name, min, max, buckets) => {
    const result = uniformIntegers(randomInts(min, max, DRAWS), min, max, buckets);
    expect(result.passed, result.detail).toBe(true);
    expect(result.counts[buckets - 1]).toBeGreaterThan(0);
  });

  it('no random byte stays in the engine\'s scratch after any call (decision 0001)', () => {
    const engine = createEngine();
    const api = createApi(engine);
    api.getrandom(new Uint8Array(16));
    api.getrandom(Buffer.alloc(64));
    api.randomInt(3 * 2 ** 30);
    api.randomUUID();
    api.randomInts(0, 2 ** 48 - 1, 1000);
    api.getRandomValues(new Uint8Array(8));
    expect(engine.scratchSnapshot().every((byte) => byte === 0)).toBe(true);
    expect(['vdso', 'syscall', 'crypto']).toContain(engine.info().backend);
  });

  it('randomInt(0, 2^48 − 1) goes above 2^47 in 10^5 draws', () => {
    let largest = 0;
    for (let draw = 0; draw < 100_000; draw += 1) largest = Math.max(largest, randomInt(0, 2 ** 48 - 1));
    expect(largest).toBeGreaterThan(2 ** 47);
  });

  it('the callback form draws from the same distribution', async () => {
    const samples = await Promise.all(
      Array.from({ length: 30_000 }, () => new Promise<number>((resolve, reject) => randomInt(3 * 2 ** 30, (error, value) => (error ? reject(error) : resolve(value))))),
    );
    const result = uniformIntegers(samples, 0, 3 * 2 ** 30, 3);
    expect(result.passed, result.detail).toBe(true);
  });

  it.each([
    ['3·2^30', 0, 3 * 2 ** 30, 3],
    ['2^48 − 1', 0, 2 ** 48 - 1, 256],
    ['2^48 − 1 below MAX_SAFE_INTEGER', MAX - (2 ** 48 - 1), MAX, 256],
  ] as const)('power: the same check fails on the 0.1.0 32-bit draw for range %s', (_name, min, max, buckets) => {
    const samples = Array.from({ length: DRAWS }, () => oldRandomInt(min, max));
    expect(uniformIntegers(samples, min, max, buckets).passed).toBe(false);
  });
});

describe('bytes: every bit of every position is balanced', () => {
  const sizes: Array<[number, number]> = [
    [1, 200_000],
    [16, 60_000],
    [4096, 1500],
  ];
  const paths: Array<[string, (size: number) => Uint8Array]> = [
    ['getrandom', (size) => {
      const bytes = new Uint8Array(size);
      getrandom(bytes);
      return bytes;
    }],
    ['randomBytes', (size) => randomBytes(size)],
    ['randomFillSync', (size) => randomFillSync(new Uint8Array(size))],
    ['getRandomValues', (size) => getRandomValues(new Uint8Array(size))],
  ];
  for (const [name, draw] of paths) {
    it.each(sizes)(`${name}: %i-byte outputs, n = %i`, (size, n) => {
      const result = bitBalance(Array.from({ length: n }, () => draw(size)));
      expect(result.passed, result.detail).toBe(true);
    });
  }

  it('randomFill (async, crossing its 1 MiB steps): 2 MiB + 16 bytes balanced as 16-byte records', async () => {
    const buffer = new Uint8Array(2 * 2 ** 20 + 16);
    await new Promise<void>((resolve, reject) => randomFill(buffer, (error) => (error ? reject(error) : resolve())));
    const records = Array.from({ length: buffer.length / 16 }, (_, index) => buffer.subarray(index * 16, index * 16 + 16));
    const result = bitBalance(records);
    expect(result.passed, result.detail).toBe(true);
  });

  it('power: the check fails on a fill that is one byte short', () => {
    const samples = Array.from({ length: 60_000 }, () => {
      const bytes = new Uint8Array(16);
      getrandom(bytes.subarray(0, 15));
      return bytes;
    });
    expect(bitBalance(samples).passed).toBe(false);
  });
});

describe('UUIDs: version and variant exact, the other 122 bits balanced', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const toBytes = (uuid: string) => Uint8Array.from(Buffer.from(uuid.replaceAll('-', ''), 'hex'));
  const FIXED: Array<[number, number]> = [
    [6, 0xf0],
    [8, 0xc0],
  ];

  function judge(uuids: string[]) {
    const bytes = uuids.map((uuid) => {
      expect(uuid).toMatch(UUID);
      return toBytes(uuid);
    });
    const badVersion = bytes.filter((b) => b[6]! >> 4 !== 4).length;
    const badVariant = bytes.filter((b) => b[8]! >> 6 !== 0b10).length;
    return { badVersion, badVariant, balance: bitBalance(bytes, FIXED) };
  }

  it.each([
    ['randomUUID()', () => Array.from({ length: 60_000 }, () => randomUUID())],
    ['randomUUIDs(60 000)', () => randomUUIDs(60_000)],
    ['randomUUIDs(1) × 20 000', () => Array.from({ length: 20_000 }, () => randomUUIDs(1)[0]!)],
  ])('%s', (_name, draw) => {
    const { badVersion, badVariant, balance } = judge(draw());
    expect(badVersion).toBe(0);
    expect(badVariant).toBe(0);
    expect(balance.passed, balance.detail).toBe(true);
  });

  it('power: a UUID that ORs the version in without clearing the nibble fails', () => {
    const uuids = randomUUIDs(20_000).map((uuid) => {
      const bytes = toBytes(uuid);
      bytes[6] = bytes[6]! | cryptoFill(new Uint8Array(1))[0]!; // the high nibble keeps random bits
      const hex = Buffer.from(bytes).toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    });
    expect(judge(uuids).badVersion).toBeGreaterThan(0);
  });

  it('power: a UUID whose last byte is never drawn fails the balance', () => {
    const uuids = randomUUIDs(20_000).map((uuid) => `${uuid.slice(0, 34)}00`);
    expect(judge(uuids).balance.passed).toBe(false);
  });
});
