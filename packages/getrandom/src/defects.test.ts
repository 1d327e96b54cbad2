// Regressions for defects found in 0.1.0 by trying the API as a hostile user would.
// Validation and the async fill do not depend on the backend; node:crypto's keeps this pure.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import { createEngine } from './engine.js';
import { GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM } from './flags.js';

const api = createApi(createEngine({ backend: 'crypto' }));

describe('flags: anything but a non-negative integer with known bits only is EINVAL', () => {
  it.each([8, 0x10, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 32 + GRND_NONBLOCK, 2 ** 53, Number.MAX_SAFE_INTEGER, -1, -(2 ** 32), 1.5, Number.NaN, Infinity, '1', null, 1n])(
    'getrandom(view, %s) throws EINVAL and writes nothing',
    (flags) => {
      const view = new Uint8Array(16);
      expect(() => api.getrandom(view, flags as number)).toThrow(expect.objectContaining({ name: 'GetrandomError', code: 'EINVAL', errno: 22 }));
      expect(view.every((byte) => byte === 0)).toBe(true);
    },
  );

  it.each([0, GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE, GRND_NONBLOCK | GRND_RANDOM, GRND_NONBLOCK | GRND_INSECURE])('getrandom(view, %i) is accepted', (flags) => {
    expect(api.getrandom(new Uint8Array(16), flags)).toBe(16);
  });
});

describe('randomFill never reports success for bytes it did not write', () => {
  const fill = (buffer: ArrayBuffer | ArrayBufferView) =>
    new Promise<{ error: Error | null; calls: number }>((resolve) => {
      let calls = 0;
      api.randomFill(buffer, (error) => {
        calls += 1;
        // Give a second (wrong) call the chance to show up.
        setTimeout(() => resolve({ error, calls }), 20);
      });
    });

  it.each([
    ['transferred before the first step', 0],
    ['transferred after the first 1 MiB step', 1],
    ['transferred after the second step', 2],
  ])('a 3 MiB buffer %s: ERR_BUFFER_DETACHED, once', async (_name, steps) => {
    const buffer = new ArrayBuffer(3 * 2 ** 20);
    const pending = fill(buffer);
    const transfer = () => structuredClone(buffer, { transfer: [buffer] });
    // Each step of the fill runs in its own setImmediate; ours, queued after it, runs between steps.
    let left = steps - 1;
    const later = () => (left-- === 0 ? transfer() : setImmediate(later));
    if (steps === 0) transfer();
    else setImmediate(later);
    const { error, calls } = await pending;
    expect(calls).toBe(1);
    expect(error).toMatchObject({ name: 'GetrandomError', code: 'ERR_BUFFER_DETACHED' });
    expect(error!.message).toMatch(new RegExp(`after ${steps * 2 ** 20} of ${3 * 2 ** 20} bytes`));
  });

  it('a view whose resizable buffer shrinks between steps: ERR_BUFFER_DETACHED, and nothing past the new end is written', async () => {
    const buffer = new ArrayBuffer(3 * 2 ** 20, { maxByteLength: 4 * 2 ** 20 });
    const view = new Uint8Array(buffer, 0, 3 * 2 ** 20);
    const pending = fill(view);
    setImmediate(() => buffer.resize(2 ** 20 + 10));
    const { error } = await pending;
    expect(error).toMatchObject({ code: 'ERR_BUFFER_DETACHED' });
    buffer.resize(4 * 2 ** 20);
    expect(new Uint8Array(buffer, 2 ** 20 + 10).every((byte) => byte === 0)).toBe(true);
  });

  it('a length-tracking view that grows between steps is still filled in full', async () => {
    const buffer = new ArrayBuffer(3 * 2 ** 20, { maxByteLength: 4 * 2 ** 20 });
    const view = new Uint8Array(buffer);
    const pending = fill(view);
    setImmediate(() => buffer.resize(4 * 2 ** 20));
    const { error } = await pending;
    expect(error).toBeNull();
    // The range asked for (3 MiB) is filled; the growth came after the call.
    const tail = new Uint8Array(buffer, 3 * 2 ** 20 - 4096, 4096);
    expect(tail.filter((byte) => byte !== 0).length).toBeGreaterThan(4000);
  });

  it('an untouched buffer is reported once, fully filled', async () => {
    const buffer = new Uint8Array(3 * 2 ** 20 + 5);
    const { error, calls } = await fill(buffer);
    expect(error).toBeNull();
    expect(calls).toBe(1);
    expect(buffer.subarray(-4096).filter((byte) => byte !== 0).length).toBeGreaterThan(4000);
  });
});

describe('randomFill of a detached buffer calls back as node:crypto does', () => {
  const detached = <T extends ArrayBufferView | ArrayBuffer>(make: () => T): T => {
    const value = make();
    const buffer = ArrayBuffer.isView(value) ? value.buffer : value;
    structuredClone(buffer, { transfer: [buffer as ArrayBuffer] });
    return value;
  };

  it.each<[string, () => ArrayBufferView | ArrayBuffer]>([
    ['Uint8Array', () => new Uint8Array(8)],
    ['Float64Array', () => new Float64Array(2)],
    ['ArrayBuffer', () => new ArrayBuffer(8)],
  ])('%s: (null, buf), synchronously like node:crypto, never a throw', (_name, make) => {
    const events: string[] = [];
    const ours = detached(make);
    api.randomFill(ours, (error, value) => events.push(`ours ${String(error)} ${value === ours}`));
    const theirs = detached(make);
    crypto.randomFill(theirs as Uint8Array, (error, value) => events.push(`theirs ${String(error)} ${value === theirs}`));
    events.push('returned');
    expect(events).toEqual(['ours null true', 'theirs null true', 'returned']);
  });

  it('randomFillSync and getRandomValues of a detached view return it, as node:crypto', () => {
    const view = detached(() => new Uint8Array(8));
    expect(api.randomFillSync(view)).toBe(view);
    expect(api.getRandomValues(view)).toBe(view);
    expect(api.getrandom(view)).toBe(0);
  });
});
