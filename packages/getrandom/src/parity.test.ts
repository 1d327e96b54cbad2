// Every input, good or bad, goes through node:crypto and through ours: the same result
// shape, or the same error (name and code) for the same mistake.
import { describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import { createEngine } from './engine.js';
import { type Loose, cases, mine as asLoose, node, outcome } from './testing/parity-cases.js';

// Validation does not depend on the backend; node:crypto's keeps this test pure
// (exactness.native.test.ts runs the same cases on every backend).
const ours = createApi(createEngine({ backend: 'crypto' }));
const mine = asLoose(ours);

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
