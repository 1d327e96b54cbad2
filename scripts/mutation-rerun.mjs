#!/usr/bin/env node
// A full StrykerJS run of slab takes over an hour here. After tests are added for what a full
// run left alive, this re-runs only those mutants, then merges the result into the full report:
//
//   node scripts/mutation-rerun.mjs plan <core> [--single]  writes packages/<core>/stryker.rerun.json:
//                                                  the survivors, uncovered and ignored mutants
//                                                  of the last full run, found again in today's code
//   (cd packages/<core> && npx stryker run stryker.rerun.json)
//   node scripts/mutation-rerun.mjs merge <core>   folds reports/mutation/rerun.json into
//                                                  reports/mutation/mutation.json (the full
//                                                  run's is kept as full.json)
//
// Adding tests cannot revive a killed mutant, so the merged report is what a full run would
// say, provided the source changed only by comments and by code whose mutants all re-ran.
// A mutant is found again by its file, mutator, replacement and the text of its line.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [mode, core, ...flags] = process.argv.slice(2);
// --single: only alive mutants within one line (a block's range takes every mutant inside it along).
const singleLine = flags.includes('--single');
const root = join(import.meta.dirname, '..');
const directory = join(root, 'packages', core ?? '');
const reports = join(directory, 'reports', 'mutation');
if (!['plan', 'merge'].includes(mode) || !core || !existsSync(join(directory, 'stryker.config.json'))) {
  process.stderr.write('usage: node scripts/mutation-rerun.mjs plan|merge <vdso|params|slab|getrandom>\n');
  process.exit(2);
}

// Ignored ones too: a Stryker disable comment may have been taken back since.
const alive = (mutant) => mutant.status === 'Survived' || mutant.status === 'NoCoverage' || mutant.status === 'Ignored';

/** Where `mutant` of `oldSource` sits in `newSource`: the same line text, nearest the old line. */
function relocate(mutant, oldSource, newSource) {
  const oldLines = oldSource.split('\n');
  const newLines = newSource.split('\n');
  const { start, end } = mutant.location;
  const text = oldLines[start.line - 1];
  let best;
  for (let index = 0; index < newLines.length; index += 1) {
    if (newLines[index] !== text) continue;
    if (best === undefined || Math.abs(index + 1 - start.line) < Math.abs(best - start.line)) best = index + 1;
  }
  if (best === undefined) return undefined;
  const shift = best - start.line;
  return { start: { line: start.line + shift, column: start.column }, end: { line: end.line + shift, column: end.column } };
}

if (mode === 'plan') {
  const full = JSON.parse(readFileSync(join(reports, 'mutation.json'), 'utf8'));
  const ranges = new Set();
  let gone = 0;
  for (const [file, entry] of Object.entries(full.files)) {
    const current = readFileSync(join(directory, file), 'utf8');
    for (const mutant of entry.mutants.filter(alive)) {
      if (singleLine && (mutant.status === 'Ignored' || mutant.location.start.line !== mutant.location.end.line)) continue;
      const at = relocate(mutant, entry.source, current);
      if (at === undefined) gone += 1;
      // The report's columns count from 1; a mutate range's from 0.
      else ranges.add(`${file}:${at.start.line}:${at.start.column - 1}-${at.end.line}:${at.end.column}`);
    }
  }
  const config = JSON.parse(readFileSync(join(directory, 'stryker.config.json'), 'utf8'));
  config.mutate = [...ranges];
  config.jsonReporter = { fileName: 'reports/mutation/rerun.json' };
  writeFileSync(join(directory, 'stryker.rerun.json'), `${JSON.stringify(config, null, 2)}\n`);
  process.stdout.write(`${ranges.size} ranges to re-run; ${gone} mutants' lines are gone from the source\n`);
} else {
  // The full run's report is kept as full.json; each merge builds on the last.
  const fullPath = join(reports, 'full.json');
  if (!existsSync(fullPath)) copyFileSync(join(reports, 'mutation.json'), fullPath);
  const full = JSON.parse(readFileSync(join(reports, 'mutation.json'), 'utf8'));
  const rerun = JSON.parse(readFileSync(join(reports, 'rerun.json'), 'utf8'));
  let updated = 0;
  let removed = 0;
  let added = 0;
  const matched = new Set();
  for (const [file, entry] of Object.entries(full.files)) {
    const again = rerun.files[file];
    const kept = [];
    for (const mutant of entry.mutants) {
      // Killed mutants, and any in a file the re-run did not mutate, stay as they were.
      if (!alive(mutant) || !again) {
        kept.push(mutant);
        continue;
      }
      const at = again ? relocate(mutant, entry.source, again.source) : undefined;
      const match = at && again.mutants.find((candidate) => candidate.mutatorName === mutant.mutatorName && candidate.replacement === mutant.replacement && candidate.location.start.line === at.start.line && candidate.location.start.column === at.start.column);
      if (match) {
        matched.add(match);
        kept.push({ ...mutant, status: match.status, statusReason: match.statusReason, killedBy: match.killedBy, location: match.location });
        updated += 1;
      } else if (!at) removed += 1; // its code is gone
      else kept.push({ ...mutant, location: at }); // not re-run: still alive, where it is now
    }
    // Mutants of code written since the full run (a re-run range can cover a rewritten line).
    const oldLines = new Set(entry.source.split('\n'));
    const newLines = again ? again.source.split('\n') : [];
    for (const mutant of again?.mutants ?? []) {
      if (matched.has(mutant) || oldLines.has(newLines[mutant.location.start.line - 1])) continue;
      kept.push(mutant);
      added += 1;
    }
    entry.mutants = kept;
    if (again) entry.source = again.source;
  }
  // The tests that killed re-run mutants, so killed-by names resolve.
  full.testFiles = { ...(full.testFiles ?? {}), ...(rerun.testFiles ?? {}) };
  writeFileSync(join(reports, 'mutation.json'), JSON.stringify(full));
  process.stdout.write(`merged ${updated} re-run mutants; ${removed} were in code since removed; ${added} are new\n`);
}
