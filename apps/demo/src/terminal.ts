// Terminal manners: colour only on a TTY (or FORCE_COLOR) and never with NO_COLOR; a
// progress bar on stderr only when stderr is a TTY.
import { stderr, stdout } from 'node:process';

const colourOn = !process.env['NO_COLOR'] && (Boolean(process.env['FORCE_COLOR']) || stdout.isTTY === true);

function paint(code: string): (text: string) => string {
  return (text) => (colourOn ? `\u001b[${code}m${text}\u001b[0m` : text);
}

export const style = {
  bold: paint('1'),
  dim: paint('2'),
  green: paint('32'),
  yellow: paint('33'),
  cyan: paint('36'),
  magenta: paint('35'),
  red: paint('31'),
};

/** A user's mistake: one line, the usage, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const SIZE_HELP = "a number of bytes with an optional suffix, as GNU head -c reads it: b (512), K or KiB (1024), kB or KB (1000), M/MiB and MB, G/GiB and GB, and so on for T, P, E";

/** GNU coreutils' multipliers (xstrtol), by suffix letter: the power of 1024 (or of 1000 with `B`). */
const POWERS: Record<string, number> = { k: 1, K: 1, m: 2, M: 2, G: 3, T: 4, P: 5, E: 6, Z: 7, Y: 8 };

/**
 * Parses a size exactly as GNU `head -c` does (coreutils 9.1, checked against it): leading
 * blanks and a `+` are allowed; digits are decimal (`010` is 10); then nothing, `b` (512), or
 * one of k K m M G T P E Z Y, optionally followed by `B` (powers of 1000) or `iB` (of 1024);
 * a suffix alone at the very start means one of it (`K` is 1024).
 * What head rejects (`1g`, `1Kib`, `1B`, `1.5K`, `0x10`, a trailing blank) is a user error;
 * so is a negative size (head's "all but the last N bytes" has no end to count from here)
 * and one beyond 2^53 - 1.
 */
export function parseSize(text: string): number {
  if (/^[ \t\n\v\f\r]*-/.test(text)) throw new UsageError(`'${text}' is not a size: a size cannot be negative`);
  // A suffix alone, at the very start (`K`, `MB`), counts one of it, as in head.
  const match = /^(?:[ \t\n\v\f\r]*\+?(\d+)|)(?:(b)|([kKmMGTPEZY])(iB|B)?)?$/.exec(text);
  if (!match || (match[1] === undefined && match[2] === undefined && match[3] === undefined)) throw new UsageError(`'${text}' is not a size: use ${SIZE_HELP}`);
  const digits = BigInt(match[1] ?? 1);
  const multiplier = match[2] !== undefined ? 512n : match[3] !== undefined ? (match[4] === 'B' ? 1000n : 1024n) ** BigInt(POWERS[match[3]]!) : 1n;
  const size = digits * multiplier;
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new UsageError(`'${text}' is too large (at most ${Number.MAX_SAFE_INTEGER} bytes)`);
  return Number(size);
}

export function parseInteger(text: string, what: string, min = Number.MIN_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`${what} must be an integer (got '${text}')`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`${what} must be a safe integer >= ${min} (got '${text}')`);
  return value;
}

/** A horizontal bar of `fraction` (0..1) of `width` cells. */
export function bar(fraction: number, width = 40): string {
  const cells = Math.max(0, Math.min(width, fraction * width));
  const whole = Math.floor(cells);
  const partial = ' ▏▎▍▌▋▊▉'[Math.round((cells - whole) * 7)] ?? '';
  return '█'.repeat(whole) + (whole < width ? partial.trim() : '');
}

/** Outputs smaller than this finish too soon for a progress line to help. */
export const PROGRESS_MIN_BYTES = 64 * 1024 ** 2;

/**
 * A progress line on stderr for a long output: percentage, rate and time left. Drawn only
 * when stderr is a terminal and stdout is not (the output goes to a file or a pipe): on a
 * terminal both share the screen and a progress line would overwrite the output.
 */
export function progress(label: string, total: number, streams: { stderr: { isTTY?: boolean; write(text: string): unknown }; stdout: { isTTY?: boolean } } = { stderr, stdout }): { update(done: number): void; done(): void } {
  if (!streams.stderr.isTTY || streams.stdout.isTTY || !(total >= PROGRESS_MIN_BYTES)) return { update() {}, done() {} };
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(done) {
      const now = Date.now();
      if (now - last < 200 || done <= 0) return;
      last = now;
      const seconds = (now - started) / 1000;
      const rate = done / Math.max(seconds, 1e-3);
      const left = (total - done) / rate;
      streams.stderr.write(`\r${label} ${bar(done / total, 30).padEnd(30)} ${Math.floor((100 * done) / total)}%  ${formatBytes(rate)}/s  ${left.toFixed(0)} s left  `);
      drawn = true;
    },
    done() {
      if (drawn) streams.stderr.write('\r\u001b[K');
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
