import { expect, it } from 'vitest';

it('a test that ends', () => {
  expect(1 + 1).toBe(2);
});
