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

/** Parses `1024`, `64K`, `1M`, `2G` (powers of 1024). */
export function parseSize(text: string): number {
  const match = /^(\d+)([KMG]?)i?B?$/i.exec(text.trim());
  if (!match) throw new UsageError(`'${text}' is not a size: use a number of bytes, optionally with K, M or G (1024-based)`);
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  const size = Number(match[1]) * scale;
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

/** A progress reporter on stderr, silent unless stderr is a TTY. */
export function progress(label: string, total: number): { update(done: number): void; done(): void } {
  if (!stderr.isTTY) return { update() {}, done() {} };
  let last = 0;
  return {
    update(done) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      stderr.write(`\r${label} ${bar(done / total, 30).padEnd(30)} ${Math.floor((100 * done) / total)}%`);
    },
    done() {
      stderr.write(`\r${' '.repeat(label.length + 40)}\r`);
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
