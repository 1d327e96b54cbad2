// A drop-in for node:crypto's random functions, checked by the compiler: `npm run typecheck`
// fails if our module stops being assignable where node:crypto's functions are expected.
import type * as NodeCrypto from 'node:crypto';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as ours from './index.js';

type RandomPart = Pick<typeof NodeCrypto, 'randomBytes' | 'randomFillSync' | 'randomFill' | 'randomInt' | 'randomUUID' | 'getRandomValues'>;

describe('types', () => {
  it('our module satisfies Pick<typeof node:crypto, the random functions>', () => {
    const asNode: RandomPart = ours;
    expect(typeof asNode.randomUUID).toBe('function');
  });

  it('randomUUID() returns crypto.UUID, randomBytes() a Buffer, randomInt() a number', () => {
    expectTypeOf(ours.randomUUID()).toEqualTypeOf<NodeCrypto.UUID>();
    expectTypeOf(ours.randomUUIDs(2)).toEqualTypeOf<NodeCrypto.UUID[]>();
    expectTypeOf(ours.randomBytes(4)).toEqualTypeOf<Buffer<ArrayBuffer>>();
    expectTypeOf(ours.randomInt(10)).toEqualTypeOf<number>();
    expectTypeOf(ours.getRandomValues(new Uint32Array(2))).toEqualTypeOf<Uint32Array<ArrayBuffer>>();
  });
});
