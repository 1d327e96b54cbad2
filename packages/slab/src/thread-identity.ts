// The kernel's view of threads: tid from gettid(2), start time from
// /proc/self/task/<tid>/stat (field 22, clock ticks after boot). The pair names one
// thread for the life of the system, even when the tid is later reused.
//
// Rule: a thread is dead only when the kernel positively says so. /proc can be hidden (an
// empty tmpfs in a container), unreadable (EMFILE, EACCES) or stale; when it does not
// answer, tgkill(pid, tid, 0) is asked, and only its ESRCH counts as "gone". Anything else
// means alive: reclaiming a live thread's state would let two threads share it.
import { readFileSync } from 'node:fs';
import { gettid, threadPresence } from '@vgetrandom/sys';
import { type StatReading, UNKNOWN_START, judgeLiveness, parseStat } from './liveness.js';
import type { ThreadIdentity } from './shared-pool.js';

export { type StatReading, UNKNOWN_START, judgeLiveness, parseStat } from './liveness.js';

function readStat(tid: number): StatReading {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
  } catch (error) {
    // ENOENT is "no such thread" only if /proc itself is there; the caller checks that.
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ESRCH' ? 'missing' : 'unreadable';
  }
  return parseStat(stat);
}

/** Start time of thread `tid` of this process, or undefined when /proc does not say. */
export function threadStartTime(tid: number): number | undefined {
  const reading = readStat(tid);
  return typeof reading === 'object' ? reading.start : undefined;
}

/**
 * Whether thread `tid` (with start time `start`, when known) may still be alive. False only
 * on positive evidence: /proc shows the tid with another start time (the tid was reused)
 * while it also shows the calling thread, or the kernel answers ESRCH to tgkill about `tid`
 * and 0 about the calling thread (sys's threadPresence).
 */
export function threadMayBeAlive(tid: number, start?: number): boolean {
  return judgeLiveness(readStat(tid), start, () => readStat(gettid()), () => threadPresence(tid));
}

/** Thread identity from the kernel: gettid(), /proc start times, and tgkill where /proc is silent. */
export const kernelThreadIdentity: ThreadIdentity = {
  current() {
    const tid = gettid();
    // A thread that cannot read its own start time records UNKNOWN_START; its states are
    // then reclaimed only when its tid is gone, never for a start-time mismatch.
    return { tid, start: threadStartTime(tid) ?? UNKNOWN_START };
  },
  isAlive: threadMayBeAlive,
};
