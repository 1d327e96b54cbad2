// The one test every file of this project runs: draw 340 000 16-byte outputs, save them and
// report this thread's backend and state (REALM_REPORTS names the report file).
import { appendFileSync, writeFileSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { backendInfo, getrandom } from '../../../dist/index.js';

export function drawTest(file) {
  it('draws 16-byte outputs', () => {
    const bytes = new Uint8Array(16 * 340_000);
    for (let at = 0; at < bytes.length; at += 16) getrandom(bytes.subarray(at, at + 16));
    const info = backendInfo();
    const report = { file, pid: process.pid, threadId, isMainThread, backend: info.backend, reasons: info.fallbacks.map((fallback) => fallback.reason), state: info.state?.address.toString() ?? null };
    writeFileSync(`${process.env.REALM_REPORTS}.${process.pid}.${threadId}.${file.split('/').pop()}.bin`, bytes);
    appendFileSync(process.env.REALM_REPORTS, `${JSON.stringify(report)}\n`);
    expect(bytes.some((byte) => byte !== 0)).toBe(true);
  });
}
