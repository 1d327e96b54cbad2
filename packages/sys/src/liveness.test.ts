import { describe, expect, it } from 'vitest';
import { type TgkillAnswer, judgePresence } from './liveness.js';

const answer = (result: number, errno = 0): TgkillAnswer => ({ result, errno });
const ESRCH = 3;

describe('judgePresence: only a proven "gone" is gone', () => {
  it('0 about the target: present, without asking about ourselves', () => {
    let asked = 0;
    expect(judgePresence(answer(0), () => ((asked += 1), answer(0)))).toBe('present');
    expect(asked).toBe(0);
  });

  it('ESRCH about the target and 0 about ourselves: gone', () => {
    expect(judgePresence(answer(-1, ESRCH), () => answer(0))).toBe('gone');
  });

  it.each([
    ['ESRCH (a filter that forges it for every thread)', answer(-1, ESRCH)],
    ['EPERM', answer(-1, 1)],
    ['ENOSYS', answer(-1, 38)],
    ['a throw', 'failed' as const],
  ])('ESRCH about the target but %s about ourselves: unknown', (_name, aboutSelf) => {
    expect(judgePresence(answer(-1, ESRCH), () => aboutSelf)).toBe('unknown');
  });

  it.each([
    ['EPERM', 1],
    ['EINVAL', 22],
    ['ENOSYS', 38],
    ['EAGAIN', 11],
  ])('%s about the target: unknown, whatever we would say of ourselves', (_name, errno) => {
    expect(judgePresence(answer(-1, errno), () => answer(0))).toBe('unknown');
  });

  it('no answer about the target (a throw, no way to call tgkill): unknown', () => {
    expect(judgePresence('failed', () => answer(0))).toBe('unknown');
  });

  it('a failure whose errno was not set (0) is unknown, not gone', () => {
    expect(judgePresence(answer(-1, 0), () => answer(0))).toBe('unknown');
  });
});
