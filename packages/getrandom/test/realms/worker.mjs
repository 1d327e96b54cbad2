// A worker of realm.mjs: optionally starts `children` workers of its own (nested), draws,
// reports its own result and its children's, then waits to be told to exit, so that every
// thread is alive when states are compared.
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { draw } from './draw.mjs';

const { outputs, children = 0, importFirst = true } = workerData;
if (importFirst) await import(new URL('../../dist/index.js', import.meta.url).href);
const kids = Array.from({ length: children }, () => new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { outputs, children: 0 } }));
const below = await Promise.all(kids.map((kid) => new Promise((resolve, reject) => { kid.once('message', resolve); kid.once('error', reject); })));
const own = await draw(outputs);
parentPort.postMessage([own, ...below.flat()], [own.outputs.buffer, ...below.flat().map((report) => report.outputs.buffer)]);
parentPort.once('message', async () => {
  await Promise.all(kids.map((kid) => new Promise((resolve) => { kid.once('exit', resolve); kid.postMessage('exit'); })));
  process.exit(0);
});
