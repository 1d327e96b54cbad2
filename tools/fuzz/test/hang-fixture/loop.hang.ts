import { it } from 'vitest';

it('a synchronous endless loop', () => {
  for (;;) {
    // no timer in this thread can interrupt this
  }
});
