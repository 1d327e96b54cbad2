// Whether another thread of this process is gone, decided from what the kernel answered
// about it AND about the calling thread. A seccomp filter can answer any errno to tgkill(2),
// ESRCH included, so "no such thread" is believed only when the same question about the
// calling thread, which certainly exists, gets the true answer (0). Otherwise the answer
// is not the kernel's, and unknown means alive: reclaiming a live thread's state lets two
// threads share it (decision 0006).

/** What the kernel says of a thread of this process. */
export type ThreadPresence = 'present' | 'gone' | 'unknown';

/** What one tgkill(pid, tid, 0) gave: its return value and errno, or 'failed' (it threw, or could not be called). */
export type TgkillAnswer = { readonly result: number; readonly errno: number } | 'failed';

const ESRCH = 3;

/**
 * The presence of a thread from tgkill's answer about it. `askAboutSelf` is called only
 * when that answer is ESRCH, and MUST ask the same question about the calling thread.
 */
export function judgePresence(aboutTarget: TgkillAnswer, askAboutSelf: () => TgkillAnswer): ThreadPresence {
  // No answer at all (no native calls, no tgkill on this libc and no syscall number).
  if (aboutTarget === 'failed') return 'unknown';
  if (aboutTarget.result === 0) return 'present';
  // EPERM, EINVAL, ENOSYS, ...: a filter or a policy, not a fact about the thread.
  if (aboutTarget.errno !== ESRCH) return 'unknown';
  const aboutSelf = askAboutSelf();
  // A forged ESRCH is forged for the caller too (a filter cannot tell threads apart by
  // who asks): only a true "present" for ourselves makes the ESRCH about the target credible.
  return aboutSelf !== 'failed' && aboutSelf.result === 0 ? 'gone' : 'unknown';
}
