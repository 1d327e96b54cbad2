// Sums the vitest JSON reports that `npm test` leaves in every workspace's
// .test-results/ and prints the one closing line CI reads: "N passed, N failed".
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const reports = [];

for (const group of ['packages', 'apps', 'tools']) {
  const groupDir = join(root, group);
  if (!existsSync(groupDir)) continue;
  for (const workspace of readdirSync(groupDir)) {
    const resultsDir = join(groupDir, workspace, '.test-results');
    if (!existsSync(resultsDir)) continue;
    for (const file of readdirSync(resultsDir).filter((name) => name.endsWith('.json'))) {
      const report = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'));
      passed += report.numPassedTests;
      failed += report.numFailedTests;
      skipped += report.numPendingTests + (report.numTodoTests ?? 0);
      // A file that failed to load counts as a failure even if it ran no test.
      failed += report.testResults.filter((result) => result.status === 'failed' && result.assertionResults.length === 0).length;
      reports.push(`${group}/${workspace}/${file}`);
    }
    // A test the progress watchdog stopped (vitest.watchdog.ts): its report says pending.
    for (const file of readdirSync(resultsDir).filter((name) => /^hung-\d+\.txt$/.test(name))) {
      const name = readFileSync(join(resultsDir, file), 'utf8').trim();
      console.log(`hung (stopped by the test watchdog): ${group}/${workspace}: ${name}`);
      failed += 1;
      skipped -= 1;
    }
  }
}

if (reports.length === 0) {
  console.log('no test reports found: did the test tasks run?');
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 ? 1 : 0;
