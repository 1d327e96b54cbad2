// Scenarios as the CLI's trace and the oracle read them: parsing, expansion, round trips and
// seeded random schedules.
import { describe, expect, it } from 'vitest';
import { formatScenario, parseScenario, randomScenario, startsIn, threadEvents } from './scenario.js';

describe('parseScenario', () => {
  it('reads starts, oldest-first ends and named ends, with blanks around steps', () => {
    expect(parseScenario('+3, -1,+2 ,-t2')).toEqual([{ start: 3 }, { end: 1 }, { start: 2 }, { endThread: 2 }]);
    expect(startsIn(parseScenario('+3,-1,+2'))).toBe(5);
    // Counts of more than one digit.
    expect(parseScenario('+12,-10,-t11')).toEqual([{ start: 12 }, { end: 10 }, { endThread: 11 }]);
  });

  it.each(['', '+0', '-0', '-t0', '+', 'x', '+1,,+1', '+1.5', '+-1', '+9007199254740993', '-t', '+1 +1'])('refuses %j with ERR_SLAB_BAD_SCENARIO', (text) => {
    expect(() => parseScenario(text)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_BAD_SCENARIO', message: expect.stringMatching(/is not a step; use \+N/) }));
  });

  it('refuses a value that is not a string, saying what it got', () => {
    expect(() => parseScenario(3 as unknown as string)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_BAD_SCENARIO', message: expect.stringContaining('got number') }));
  });
});

describe('threadEvents', () => {
  it('numbers threads in start order and ends the oldest running first', () => {
    expect(threadEvents(parseScenario('+3,-t2,-2,+1'))).toEqual([
      { kind: 'start', thread: 1 },
      { kind: 'start', thread: 2 },
      { kind: 'start', thread: 3 },
      { kind: 'exit', thread: 2 },
      { kind: 'exit', thread: 1 },
      { kind: 'exit', thread: 3 },
      { kind: 'start', thread: 4 },
    ]);
  });

  it('refuses to end a thread that is not running, or more threads than run', () => {
    expect(() => threadEvents(parseScenario('+1,-2'))).toThrow(expect.objectContaining({ code: 'ERR_SLAB_BAD_SCENARIO', message: '-2 ends more threads than the 1 running' }));
    expect(() => threadEvents(parseScenario('+2,-t1,-t1'))).toThrow(expect.objectContaining({ code: 'ERR_SLAB_BAD_SCENARIO', message: '-t1: thread 1 is not running then' }));
    expect(() => threadEvents(parseScenario('+1,-t5'))).toThrow(expect.objectContaining({ message: '-t5: thread 5 is not running then' }));
  });
});

describe('randomScenario and formatScenario', () => {
  it('gives the same schedule for the same seed, and another for another seed', () => {
    expect(randomScenario(7, 200)).toEqual(randomScenario(7, 200));
    expect(formatScenario(randomScenario(7, 200))).not.toBe(formatScenario(randomScenario(8, 200)));
  });

  it('only ends running threads, never runs more than maxRunning, and both starts and ends occur', () => {
    for (let seed = 0; seed < 50; seed += 1) {
      const events = randomScenario(seed, 300, 10);
      const running = new Set<number>();
      let started = 0;
      for (const event of events) {
        if (event.kind === 'start') {
          started += 1;
          expect(event.thread).toBe(started);
          running.add(event.thread);
        } else {
          expect(running.delete(event.thread)).toBe(true);
        }
        expect(running.size).toBeLessThanOrEqual(10);
      }
      expect(events.some((event) => event.kind === 'exit')).toBe(true);
      expect(started).toBeGreaterThan(150);
    }
  });

  it('formats a schedule as text that expands back to the same events', () => {
    for (let seed = 0; seed < 50; seed += 1) {
      const events = randomScenario(seed, 120, 8);
      expect(threadEvents(parseScenario(formatScenario(events)))).toEqual(events);
    }
  });

  it('refuses a seed, length or bound that is not an integer in range, saying what it takes', () => {
    const cases: Array<[number, number, number?]> = [[1.5, 10], [1, 0], [1, 10, 0], [Number.NaN, 10]];
    for (const args of cases) expect(() => randomScenario(...args)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_BAD_SCENARIO' }));
    expect(() => randomScenario(1, 0)).toThrow('a random scenario takes an integer seed, a length >= 1 and maxRunning >= 1 (got 1, 0, 64)');
  });

  it('takes the smallest length and bound: one event, and one thread running at a time', () => {
    expect(randomScenario(1, 1)).toEqual([{ kind: 'start', thread: 1 }]);
    expect(randomScenario(1, 5, 1).map((event) => event.kind)).toEqual(['start', 'exit', 'start', 'exit', 'start']);
  });

  it('is the same schedule on every host: seed 1 gives these events, and starts three steps in five', () => {
    // The generator is our own 32-bit xorshift, so this text is part of the contract.
    expect(formatScenario(randomScenario(1, 20))).toBe('+5,-t2,-t3,+1,-t4,-t6,+2,-t7,+7');
    const events = randomScenario(3, 10_000, 100_000);
    expect(events).toHaveLength(10_000);
    expect(events.filter((event) => event.kind === 'start').length).toBe(6014);
  });
});
