#!/usr/bin/env node
// npm run mutate [-- vdso params slab getrandom]: StrykerJS over the pure cores (and the
// façade's pure code in getrandom: api.ts, uuid.ts, views.ts, flags.ts), one after another,
// with each core's unit tests (vitest.mutate.config.ts), then one line a core: the score
// (killed and timed out over all mutants, as Stryker counts it) and the survivors to read in
// packages/<core>/reports/mutation/mutation.json. Too slow for npm test (about 20 minutes
// for vdso on 2 cores); the last result is in tools/fuzz/README.md.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const cores = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['vdso', 'params', 'slab', 'getrandom'];
const root = join(import.meta.dirname, '..');
const lines = [];
for (const core of cores) {
  const directory = join(root, 'packages', core);
  if (!existsSync(join(directory, 'stryker.config.json'))) {
    process.stderr.write(`error: packages/${core} has no stryker.config.json (cores: vdso, params, slab, getrandom)\n`);
    process.exit(2);
  }
  process.stderr.write(`\n== mutating packages/${core}\n`);
  // Stryker's report of every surviving mutant goes to a log beside the JSON report.
  mkdirSync(join(directory, 'reports'), { recursive: true });
  const log = openSync(join(directory, 'reports', 'stryker.log'), 'w');
  const run = spawnSync('npx', ['stryker', 'run', '--reporters', 'progress,json,clear-text'], { cwd: directory, stdio: ['ignore', log, 'inherit'] });
  closeSync(log);
  if (run.status !== 0) {
    process.stderr.write(`stryker failed in packages/${core} (exit ${run.status}); see packages/${core}/reports/stryker.log\n`);
    process.exit(1);
  }
  const report = JSON.parse(readFileSync(join(directory, 'reports', 'mutation', 'mutation.json'), 'utf8'));
  const counts = {};
  for (const file of Object.values(report.files)) for (const mutant of file.mutants) counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  lines.push(`${core}: ${((100 * detected) / valid).toFixed(2)}% (${detected} of ${valid} killed; ${counts.Survived ?? 0} survived, ${counts.NoCoverage ?? 0} not covered)`);
}
process.stdout.write(`\nmutation score\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
