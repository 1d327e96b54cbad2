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
import type { ThreadIdentity } from './shared-pool.js';

/** The start time recorded for a thread whose own /proc entry could not be read. */
export const UNKNOWN_START = -1;

/** What /proc/self/task/<tid>/stat gave: the start time, no such entry, or no answer. */
export type StatReading = { readonly start: number } | 'missing' | 'unreadable';

function readStat(tid: number): StatReading {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
  } catch (error) {
    // ENOENT is "no such thread" only if /proc itself is there; the caller checks that.
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ESRCH' ? 'missing' : 'unreadable';
  }
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  const start = Number(fields[19]);
  return Number.isFinite(start) && start >= 0 ? { start } : 'unreadable';
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

/**
 * The decision behind threadMayBeAlive, over what /proc and tgkill answered. `readCaller`
 * reads the calling thread's own entry: a /proc that does not show us (another namespace's,
 * a stale or fabricated mount) says nothing about other threads either.
 */
export function judgeLiveness(
  reading: StatReading,
  start: number | undefined,
  readCaller: () => StatReading,
  presence: () => 'present' | 'gone' | 'unknown',
): boolean {
  if (typeof reading === 'object') {
    if (start === undefined || start === UNKNOWN_START || reading.start === start) return true;
    let caller: StatReading;
    try {
      caller = readCaller();
    } catch {
      return true;
    }
    return typeof caller !== 'object';
  }
  return presence() !== 'gone';
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
