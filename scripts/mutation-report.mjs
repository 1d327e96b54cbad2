#!/usr/bin/env node
// node scripts/mutation-report.mjs <core> [--baseline <earlier mutation.json>] [--reasons <file>] [--skeleton]
// Markdown for tools/fuzz/README.md from packages/<core>/reports/mutation/mutation.json
// (written by npm run mutate): the score, then every mutant that is not killed, and, given
// the report of an earlier run, every mutant that survived it and what kills it now.
// A mutant is matched across runs by file, mutator, original text and replacement, since
// line numbers move when code is edited.
// --reasons: a JSON list of { file, mutator, original, replacement, why } for mutants argued
// equivalent (packages/<core>/mutation/equivalent.json): those alive get their reason printed,
// the rest are listed as not yet classified. --skeleton prints such a list for the mutants
// alive now that have no reason yet, with an empty `why`, to be filled in by hand.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { baseline: { type: 'string' }, reasons: { type: 'string' }, skeleton: { type: 'boolean' } } });
const core = positionals[0];
const root = join(import.meta.dirname, '..');
const reportPath = core ? join(root, 'packages', core, 'reports', 'mutation', 'mutation.json') : '';
if (!core || !existsSync(reportPath)) {
  process.stderr.write(`usage: node scripts/mutation-report.mjs <vdso|params|slab|getrandom> [--baseline file]\n(no report at ${reportPath || 'packages/<core>/reports/mutation/mutation.json'}: run npm run mutate -- <core> first)\n`);
  process.exit(2);
}

/** Every mutant of a report, with its file, original text and the names of the tests that killed it. */
function mutantsOf(path) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const testNames = new Map();
  for (const file of Object.values(report.testFiles ?? {})) for (const test of file.tests) testNames.set(test.id, test.name);
  const list = [];
  for (const [file, entry] of Object.entries(report.files)) {
    const lines = entry.source.split('\n');
    for (const mutant of entry.mutants) {
      const { start, end } = mutant.location;
      // (After a merge, mutants that were killed before keep the full run's lines: '' then.)
      const line = lines[start.line - 1] ?? '';
      // A block spans lines: its whole first line names it (a lone '{' would not).
      const original = start.line === end.line ? line.slice(start.column - 1, end.column - 1) : `${line.trim()} …`;
      list.push({
        file: isAbsolute(file) ? relative(join(root, 'packages', core), file).replaceAll('\\', '/') : file,
        line: start.line,
        mutator: mutant.mutatorName,
        original: original.trim(),
        context: line.trim(),
        replacement: mutant.replacement ?? '',
        status: mutant.status,
        reason: mutant.statusReason ?? '',
        killedBy: (mutant.killedBy ?? []).map((id) => testNames.get(id) ?? id),
      });
    }
  }
  return list;
}

const key = (mutant) => `${mutant.file}|${mutant.mutator}|${mutant.original}|${mutant.replacement}`;
const code = (text) => `\`${text.replaceAll('`', "'").replaceAll('|', '\\|').replace(/\s+/g, ' ').slice(0, 70)}\``;
const mutants = mutantsOf(reportPath);
const count = (status) => mutants.filter((mutant) => mutant.status === status).length;
const detected = count('Killed') + count('Timeout');
const valid = detected + count('Survived') + count('NoCoverage');
const out = [];
out.push(`**${core}**: ${((100 * detected) / valid).toFixed(2)} % (${detected} of ${valid} killed or timed out; ${count('Survived')} survived, ${count('NoCoverage')} not covered; ${count('Ignored')} ignored as equivalent, ${count('CompileError')} did not compile).`);
out.push('');

const ignored = mutants.filter((mutant) => mutant.status === 'Ignored');
if (ignored.length > 0) {
  out.push(`Equivalent, marked in the source with the reason (${ignored.length}):`);
  out.push('');
  out.push('| where | mutant | why it changes nothing a caller can see |');
  out.push('|---|---|---|');
  for (const mutant of ignored) out.push(`| ${mutant.file}:${mutant.line} | ${mutant.mutator}: ${code(mutant.original)} → ${code(mutant.replacement)} | ${mutant.reason.replace(/^Ignored because of excluded mutation "[^"]*"\s*/, '').replace(/\|/g, '\\|')} |`);
  out.push('');
}

const alive = mutants.filter((mutant) => mutant.status === 'Survived' || mutant.status === 'NoCoverage');
const reasons = new Map();
if (values.reasons) {
  for (const entry of JSON.parse(readFileSync(values.reasons, 'utf8'))) {
    if (!entry.why) continue;
    reasons.set(key(entry), { why: entry.why, gap: entry.gap === true });
  }
}
if (values.skeleton) {
  const missing = alive.filter((mutant) => !reasons.has(key(mutant))).map(({ file, line, context, mutator, original, replacement, status }) => ({ file, line, context, mutator, original, replacement, status, why: '' }));
  process.stdout.write(`${JSON.stringify(missing, null, 2)}\n`);
  process.exit(0);
}
const argued = alive.filter((mutant) => reasons.has(key(mutant)) && !reasons.get(key(mutant)).gap);
const gaps = alive.filter((mutant) => reasons.has(key(mutant)) && reasons.get(key(mutant)).gap);
const open = alive.filter((mutant) => !reasons.has(key(mutant)));
for (const [title, list, header] of [
  [`Alive and equivalent, each with the reason no caller can tell (${argued.length}):`, argued, 'why it changes nothing a caller can see'],
  [`Alive and not equivalent: known gaps (${gaps.length}):`, gaps, 'what it would take'],
]) {
  if (list.length === 0) continue;
  out.push(title);
  out.push('');
  out.push(`| where | mutant | ${header} |`);
  out.push('|---|---|---|');
  for (const mutant of list) out.push(`| ${mutant.file}:${mutant.line} | ${mutant.mutator}: ${code(mutant.original)} → ${code(mutant.replacement)} | ${reasons.get(key(mutant)).why.replaceAll('|', '\\|')} |`);
  out.push('');
}
if (open.length > 0) {
  out.push(`${values.reasons ? 'Alive and not yet classified' : 'Still alive'} (${open.length}):`);
  out.push('');
  out.push('| where | mutant | status |');
  out.push('|---|---|---|');
  for (const mutant of open) out.push(`| ${mutant.file}:${mutant.line} | ${mutant.mutator}: ${code(mutant.original)} → ${code(mutant.replacement)} | ${mutant.status} |`);
  out.push('');
}

if (values.baseline) {
  const now = new Map();
  for (const mutant of mutants) now.set(key(mutant), [...(now.get(key(mutant)) ?? []), mutant]);
  const before = mutantsOf(values.baseline).filter((mutant) => mutant.status === 'Survived' || mutant.status === 'NoCoverage');
  const rows = [];
  const gone = [];
  for (const mutant of before) {
    const match = now.get(key(mutant))?.shift();
    if (!match) gone.push(mutant);
    else if (match.status === 'Killed' || match.status === 'Timeout') rows.push(`| ${mutant.file}:${mutant.line} | ${mutant.mutator}: ${code(mutant.original)} → ${code(mutant.replacement)} | ${match.status === 'Timeout' ? 'times out' : code(match.killedBy[0] ?? '?')} |`);
  }
  out.push(`Alive in the first run, killed now (${rows.length}):`);
  out.push('');
  out.push('| where (first run) | mutant | killed by |');
  out.push('|---|---|---|');
  out.push(...rows);
  out.push('');
  if (gone.length > 0) {
    out.push(`Alive in the first run, code since removed or rewritten (${gone.length}):`);
    out.push('');
    out.push('| where (first run) | mutant |');
    out.push('|---|---|');
    for (const mutant of gone) out.push(`| ${mutant.file}:${mutant.line} | ${mutant.mutator}: ${code(mutant.original)} → ${code(mutant.replacement)} |`);
    out.push('');
  }
}
process.stdout.write(`${out.join('\n')}\n`);
