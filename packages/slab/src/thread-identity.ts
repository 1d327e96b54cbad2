// The kernel's view of threads: tid from gettid(2), start time from
// /proc/self/task/<tid>/stat (field 22, clock ticks after boot). The pair names one
// thread for the life of the system, even when the tid is later reused.
import { readFileSync } from 'node:fs';
import { gettid } from '@vgetrandom/sys';
import type { ThreadIdentity } from './shared-pool.js';

/** Start time of thread `tid` of this process, or undefined if it does not exist. */
export function threadStartTime(tid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  const start = Number(fields[19]);
  return Number.isFinite(start) ? start : undefined;
}

/** Thread identity from the kernel: gettid() and /proc start times. */
export const kernelThreadIdentity: ThreadIdentity = {
  current() {
    const tid = gettid();
    return { tid, start: threadStartTime(tid) ?? 0 };
  },
  isAlive(tid, start) {
    const actual = threadStartTime(tid);
    return actual !== undefined && (start === undefined || actual === start);
  },
};
