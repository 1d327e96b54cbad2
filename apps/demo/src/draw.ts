// Drawings shared by the commands and the tour: slab page maps and bar charts.
import type { SlabLayout, SlabStats } from '@vgetrandom/slab';
import { bar, formatBytes, style } from './terminal.js';

/** One row per page: `#` a state in use, `.` a free state, then the waste of the page. */
export function drawLayout(layout: SlabLayout, stats: SlabStats, maxPages = 12): string[] {
  const lines: string[] = [];
  const padding = stats.pages === 0 ? 0 : stats.stridePaddingBytes / stats.pages;
  const tail = stats.pages === 0 ? 0 : stats.pageTailBytes / stats.pages;
  lines.push(
    style.dim(
      `stride ${layout.stride} B for ${layout.stateSize}-byte states, ${layout.statesPerPage} states a ${layout.pageSize}-byte page, ` +
        `${padding} B stride padding + ${tail} B tail a page`,
    ),
  );
  let shown = 0;
  for (const chunk of layout.chunks) {
    lines.push(`${style.bold(`chunk 0x${chunk.address.toString(16)}`)}  ${chunk.pages.length} page${chunk.pages.length === 1 ? '' : 's'}`);
    for (const page of chunk.pages) {
      if (shown === maxPages) {
        lines.push(style.dim('  ...'));
        break;
      }
      shown += 1;
      const slots = page.slots.map((slot) => (slot === 'used' ? style.green('#') : style.dim('.'))).join('');
      lines.push(`  0x${page.address.toString(16)} │${slots}│${style.dim('~'.repeat(tail > 0 ? 1 : 0))}`);
    }
  }
  lines.push(
    `${stats.statesInUse} in use, ${stats.statesFree} free, ${stats.chunks} chunk${stats.chunks === 1 ? '' : 's'}, ` +
      `${formatBytes(stats.mappedBytes)} mapped, high-water ${stats.highWater}`,
  );
  return lines;
}

export interface Measurement {
  readonly label: string;
  readonly nsPerCall: number;
}

/** Bars scaled to the slowest entry, fastest first, with how many times faster than the slowest. */
export function drawComparison(measurements: readonly Measurement[]): string[] {
  const slowest = Math.max(...measurements.map((entry) => entry.nsPerCall));
  const width = Math.max(...measurements.map((entry) => entry.label.length));
  return [...measurements]
    .sort((a, b) => a.nsPerCall - b.nsPerCall)
    .map((entry) => {
      const ratio = slowest / entry.nsPerCall;
      return `  ${entry.label.padEnd(width)}  ${style.cyan(bar(entry.nsPerCall / slowest, 36).padEnd(36))} ${entry.nsPerCall.toFixed(0).padStart(6)} ns  ${ratio >= 1.05 ? style.green(`${ratio.toFixed(1)}x faster`) : ''}`;
    });
}
