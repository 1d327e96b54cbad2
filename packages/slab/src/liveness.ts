// The liveness decision, pure: whether a thread may still be alive, from what /proc and
// tgkill answered (thread-identity.ts asks them). A thread is dead only on positive evidence;
// reclaiming a live thread's state would let two threads share it.

/** The start time recorded for a thread whose own /proc entry could not be read. */
export const UNKNOWN_START = -1;

/** What /proc/self/task/<tid>/stat gave: the start time, no such entry, or no answer. */
export type StatReading = { readonly start: number } | 'missing' | 'unreadable';

/** The start time (field 22, clock ticks after boot) in the text of a /proc/<pid>/task/<tid>/stat file. */
export function parseStat(stat: string): StatReading {
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  const start = Number(fields[19]);
  return Number.isFinite(start) && start >= 0 ? { start } : 'unreadable';
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

