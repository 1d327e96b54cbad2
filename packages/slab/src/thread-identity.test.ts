import { describe, expect, it } from 'vitest';
import { UNKNOWN_START, judgeLiveness } from './thread-identity.js';

const never = () => {
  throw new Error('not asked');
};

describe('judgeLiveness: a thread is dead only on evidence that also holds for the caller', () => {
  it('/proc shows the tid with the recorded start time: alive', () => {
    expect(judgeLiveness({ start: 500 }, 500, never, never)).toBe(true);
  });

  it('/proc shows the tid with another start time and shows the caller too: the tid was reused, gone', () => {
    expect(judgeLiveness({ start: 900 }, 500, () => ({ start: 10 }), never)).toBe(false);
  });

  it.each([
    ['does not list the caller', 'missing' as const],
    ['cannot be read for the caller', 'unreadable' as const],
  ])('another start time, but /proc %s: not our /proc, alive', (_name, caller) => {
    expect(judgeLiveness({ start: 900 }, 500, () => caller, never)).toBe(true);
  });

  it('another start time, and reading the caller throws: alive', () => {
    expect(judgeLiveness({ start: 900 }, 500, () => { throw new Error('EMFILE'); }, never)).toBe(true);
  });

  it('no recorded start time (UNKNOWN_START or none): a mismatch cannot be judged, alive', () => {
    expect(judgeLiveness({ start: 900 }, UNKNOWN_START, () => ({ start: 1 }), never)).toBe(true);
    expect(judgeLiveness({ start: 900 }, undefined, () => ({ start: 1 }), never)).toBe(true);
  });

  it.each([
    ['gone', false],
    ['present', true],
    ['unknown', true],
  ] as const)('/proc silent about the tid: tgkill decides (%s)', (presence, alive) => {
    expect(judgeLiveness('missing', 500, never, () => presence)).toBe(alive);
    expect(judgeLiveness('unreadable', 500, never, () => presence)).toBe(alive);
  });
});
