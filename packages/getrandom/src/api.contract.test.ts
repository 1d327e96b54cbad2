// The façade's contract where the mutation run found no pure test holding it (the native
// tests did, but they are not part of that run): what each function fills, every refusal's
// exact code and message (node:crypto's where it has the function), flags as getrandom(2)
// takes them, and the names the functions carry. Over an engine that records what it is
// asked to fill and writes 0xa5 there, so that "filled" is seen exactly.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import type { Engine } from './engine.js';
import { GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM, checkFlags } from './flags.js';
import { bytesOfView } from './views.js';

function recording() {
  const calls: Array<{ kind: 'fill' | 'fillSmall'; length: number; flags: number }> = [];
  const scratch = new Uint8Array(64);
  const paint = (view: ArrayBufferView, length: number) => new Uint8Array(view.buffer, view.byteOffset, length).fill(0xa5);
  const engine = {
    fill(view: ArrayBufferView, length: number, flags: number) {
      calls.push({ kind: 'fill', length, flags });
      paint(view, length);
    },
    fillSmall(target: Uint8Array, length: number, flags: number) {
      calls.push({ kind: 'fillSmall', length, flags });
      paint(target, length);
    },
    fillScratch(length: number) {
      crypto.randomFillSync(scratch, 0, length);
      return scratch;
    },
    wipeScratch: (length: number) => scratch.fill(0, 0, length),
    info: () => ({ backend: 'crypto' }),
    dispose: () => undefined,
  } as unknown as Engine;
  return { api: createApi(engine), calls };
}

/** The error `run` throws, as { name, code, message }, or 'no error'. */
function thrown(run: () => unknown): { name: string; code: unknown; message: string } | 'no error' {
  try {
    run();
  } catch (error) {
    return { name: (error as Error).name, code: (error as { code?: unknown }).code, message: (error as Error).message };
  }
  return 'no error';
}

describe('getrandom(view, flags)', () => {
  it('fills every byte of a view that is not a Uint8Array, and refuses what is not a view (EFAULT)', () => {
    const { api } = recording();
    const words = new Int32Array(4);
    expect(api.getrandom(words)).toBe(16);
    expect([...new Uint8Array(words.buffer)]).toEqual(new Array(16).fill(0xa5));
    expect(thrown(() => api.getrandom({} as never))).toEqual({ name: 'GetrandomError', code: 'EFAULT', message: 'getrandom() needs an ArrayBufferView (a TypedArray, Buffer or DataView)' });
    expect(() => api.getrandom({} as never)).toThrow(expect.objectContaining({ errno: 14 }));
    expect(thrown(() => api.getrandom(new ArrayBuffer(8) as never))).toMatchObject({ code: 'EFAULT' });
  });

  it('a detached DataView has no bytes: 0, and nothing filled; bytesOfView refuses what is not a view', () => {
    const { api, calls } = recording();
    const view = new DataView(new ArrayBuffer(8));
    structuredClone(view.buffer, { transfer: [view.buffer] });
    expect(api.getrandom(view)).toBe(0);
    expect(calls).toEqual([]);
    expect(() => bytesOfView({} as never, 0)).toThrow(new TypeError('not an ArrayBufferView'));
  });

  it.each([8, -1, 1.5, 2 ** 32, Number.NaN, '1'])('refuses flags %j with EINVAL, on every kind of view', (flags) => {
    const { api, calls } = recording();
    const message = `flags must be a combination of GRND_NONBLOCK, GRND_RANDOM and GRND_INSECURE (got ${String(flags)})`;
    for (const view of [new Uint8Array(16), new Uint8Array(100), new DataView(new ArrayBuffer(8))]) {
      expect(thrown(() => api.getrandom(view, flags as number))).toEqual({ name: 'GetrandomError', code: 'EINVAL', message });
    }
    expect(calls).toEqual([]);
  });

  it('refuses GRND_INSECURE with GRND_RANDOM (the syscall does), alone or with GRND_NONBLOCK', () => {
    const { api } = recording();
    for (const flags of [GRND_INSECURE | GRND_RANDOM, GRND_INSECURE | GRND_RANDOM | GRND_NONBLOCK]) {
      expect(thrown(() => api.getrandom(new Uint8Array(4), flags))).toEqual({ name: 'GetrandomError', code: 'EINVAL', message: 'GRND_INSECURE and GRND_RANDOM cannot be combined' });
    }
  });

  it('passes every valid flag combination through to the engine', () => {
    const { api, calls } = recording();
    for (const flags of [0, GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE, GRND_NONBLOCK | GRND_RANDOM, GRND_NONBLOCK | GRND_INSECURE]) api.getrandom(new Uint8Array(100), flags);
    expect(calls.map((call) => call.flags)).toEqual([0, 1, 2, 4, 3, 5]);
    expect(() => checkFlags(0)).not.toThrow();
  });
});

describe('randomFillSync, randomFill, getRandomValues fill what they are given', () => {
  it('randomFillSync fills the whole view, or [offset, offset + size), and a size that fits exactly', () => {
    const { api } = recording();
    expect([...api.randomFillSync(new Uint8Array(4))]).toEqual([0xa5, 0xa5, 0xa5, 0xa5]);
    expect([...api.randomFillSync(new Uint8Array(6), 1, 3)]).toEqual([0, 0xa5, 0xa5, 0xa5, 0, 0]);
    expect([...api.randomFillSync(new Uint8Array(4), 0, 4)]).toEqual([0xa5, 0xa5, 0xa5, 0xa5]);
  });

  it('randomFill(buffer, offset, callback) fills from offset to the end only', async () => {
    const { api } = recording();
    const filled = await new Promise<Uint8Array>((resolve, reject) => api.randomFill(new Uint8Array(8), 3, (error, buffer) => (error ? reject(error) : resolve(buffer))));
    expect([...filled]).toEqual([0, 0, 0, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5]);
  });

  it('getRandomValues fills the array it returns', () => {
    const { api } = recording();
    expect([...api.getRandomValues(new Uint16Array(2))]).toEqual([0xa5a5, 0xa5a5]);
  });

  it.each([
    ['a NaN size', [new Uint8Array(4), 0, Number.NaN]],
    ['a negative size', [new Uint8Array(4), 0, -1]],
    ['a size past 2^31 - 1', [new Uint8Array(4), 0, 2 ** 31]],
    ['a size of exactly 2^31 - 1', [new Uint8Array(4), 0, 2 ** 31 - 1]],
    ['a size one past the end', [new Uint8Array(4), 0, 5]],
    ['a size past the end from an offset', [new Uint8Array(4), 2, 3]],
  ] as const)('randomFillSync refuses %s as node:crypto does', (_label, args) => {
    const { api } = recording();
    expect(thrown(() => api.randomFillSync(...(args as unknown as [Uint8Array, number, number])))).toEqual(thrown(() => crypto.randomFillSync(...(args as unknown as [Uint8Array, number, number]))));
  });
});

describe('randomBytes(size, callback)', () => {
  it('fills what it calls back with, and calls back for 0 bytes before returning, as node:crypto does', async () => {
    const { api } = recording();
    const filled = await new Promise<Buffer>((resolve, reject) => api.randomBytes(16, (error, buffer) => (error ? reject(error) : resolve(buffer))));
    expect([...filled]).toEqual(new Array(16).fill(0xa5));
    for (const randomBytes of [api.randomBytes, crypto.randomBytes] as Array<(size: number, callback: (error: Error | null, buffer: Buffer) => void) => void>) {
      const order: string[] = [];
      randomBytes(0, (_error, buffer) => order.push(`called back with ${buffer.length}`));
      order.push('returned');
      expect(order).toEqual(['called back with 0', 'returned']);
    }
  });
});

describe('randomInt and randomInts refuse as node:crypto does, and say what they take', () => {
  it.each([
    ['a min that is not a safe integer', [1.5, 10]],
    ['a max that is not a safe integer', [0, 'b']],
    ['max not above min', [5, 5]],
    ['a range past 2^48 - 1', [0, 2 ** 48]],
    ['a callback that is not a function', [1, 10, 'f']],
  ] as const)('randomInt with %s', (_label, args) => {
    const { api } = recording();
    expect(thrown(() => (api.randomInt as (...values: unknown[]) => unknown)(...args))).toEqual(thrown(() => (crypto.randomInt as (...values: unknown[]) => unknown)(...args)));
  });

  it('randomInts names each argument it refuses', () => {
    const { api } = recording();
    expect(thrown(() => api.randomInts(1.5, 10, 1))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: 'The "min" argument must be a safe integer. Received type number (1.5)' });
    expect(thrown(() => api.randomInts(0, 'b' as never, 1))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: "The \"max\" argument must be a safe integer. Received type string ('b')" });
    expect(thrown(() => api.randomInts(5, 5, 1))).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: 'The value of "max" is out of range. It must be greater than the value of "min" (5). Received 5' });
    expect(thrown(() => api.randomInts(0, 2 ** 48, 1))).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: 'The value of "max - min" is out of range. It must be <= 281474976710655. Received 281_474_976_710_656' });
    expect(thrown(() => api.randomInts(0, 10, 2 ** 24 + 1))).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: 'The value of "count" is out of range. It must be >= 0 && <= 16777216. Received 16777217' });
    expect(thrown(() => api.randomUUIDs(-1))).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: 'The value of "count" is out of range. It must be >= 0 && <= 16777216. Received -1' });
    expect(api.randomInts(0, 10, 0)).toEqual([]);
  });
});

describe('the functions as values', () => {
  it("carry node:crypto's names, which a bundler's renaming cannot change, and can be renamed again", () => {
    const { api } = recording();
    for (const name of ['getrandom', 'randomFillSync', 'randomFill', 'randomBytes', 'randomInt', 'randomInts', 'randomUUID', 'randomUUIDs', 'getRandomValues'] as const) {
      expect(api[name].name).toBe(name);
      expect(Object.getOwnPropertyDescriptor(api[name], 'name')).toMatchObject({ value: name, configurable: true });
    }
  });
});
