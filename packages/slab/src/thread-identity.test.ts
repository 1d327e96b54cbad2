import { describe, expect, it } from 'vitest';
import { UNKNOWN_START, judgeLiveness, parseStat } from './liveness.js';

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

describe('parseStat: the start time in a /proc/<pid>/task/<tid>/stat line', () => {
  // Fields 3..21 as the kernel writes them, then field 22 (starttime).
  const after = (start: string) => `S 1 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 4 0 ${start} 1000 50`;

  it('reads field 22, whatever the command name holds', () => {
    expect(parseStat(`1234 (node) ${after('987654')}`)).toEqual({ start: 987654 });
    // A name with spaces and parentheses: fields resume after the last ')'.
    expect(parseStat(`1234 (a) (b c) ) ${after('42')}`)).toEqual({ start: 42 });
    expect(parseStat(`1234 (x) ${after('0')}`)).toEqual({ start: 0 });
  });

  it('a line it cannot read is unreadable, never a start time', () => {
    expect(parseStat('')).toBe('unreadable');
    expect(parseStat(`1234 (node) ${after('-5')}`)).toBe('unreadable');
    expect(parseStat(`1234 (node) ${after('abc')}`)).toBe('unreadable');
    expect(parseStat('1234 (node) S 1 2 3')).toBe('unreadable');
  });
});

describe('judgeLiveness where /proc answers for both threads', () => {
  it('a thread whose start time matches is alive, whatever the caller reads', () => {
    expect(judgeLiveness({ start: 500 }, 500, () => ({ start: 10 }), never)).toBe(true);
  });

  it('the start time recorded for an unreadable thread can never be a real one (start times are ticks since boot, >= 0)', () => {
    expect(UNKNOWN_START).toBeLessThan(0);
    // A thread recorded as unknown is never judged by start time, even against a reading of 0.
    expect(judgeLiveness({ start: 0 }, UNKNOWN_START, () => ({ start: 1 }), never)).toBe(true);
  });
});

