import { it } from 'vitest';

it('a promise that never settles', async () => {
  await new Promise(() => {});
});
