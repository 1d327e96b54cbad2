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

const SIZE_HELP = 'a number of bytes, optionally with a suffix as coreutils reads them: K, M, G, T or KiB, MiB, GiB, TiB (1024-based), KB, MB, GB, TB (1000-based)';

/**
 * Parses a size as coreutils does (`head -c`): `1024`, `64K` = `64KiB` = 65 536, `64KB` =
 * 64 000, and M, G, T likewise. Anything else (`1i`, `1iB`, `1B`, `1.5K`) is a user error.
 */
export function parseSize(text: string): number {
  const match = /^(\d+)(?:([KMGT])(iB|B)?)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`'${text}' is not a size: use ${SIZE_HELP}`);
  const power = match[2] === undefined ? 0 : 'KMGT'.indexOf(match[2].toUpperCase()) + 1;
  const base = match[3] !== undefined && match[3].toUpperCase() === 'B' ? 1000 : 1024;
  const size = Number(match[1]) * base ** power;
  if (!Number.isSafeInteger(size)) throw new UsageError(`'${text}' is too large`);
  return size;
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
