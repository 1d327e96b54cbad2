// koffi alone, no vgetrandom code (decision 0010): workers load koffi, open libc and declare
// functions (what a first native call does); the main thread, which never loads koffi,
// terminates each one 0-WINDOW_MS (15) ms after it starts. RUNS workers (300). KOFFI_PATH
// picks the koffi build (default: the one installed). koffi 3.3.4 ends the process with exit
// 134 ("FATAL ERROR: Error::ThrowAsJavaScriptException napi_throw"); a koffi rebuilt with
// NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS still does ("Error::New napi_get_last_error_info").
//
//   node scripts/koffi-abort-repro.mjs; echo "exit $?"
import { Worker } from 'node:worker_threads';
const koffiPath = process.env.KOFFI_PATH ?? 'koffi';
const runs = Number(process.env.RUNS ?? 300);
const source = `
const { parentPort } = require('node:worker_threads');
parentPort.postMessage('go');
const koffi = require(${JSON.stringify(koffiPath)});
const libc = koffi.load('libc.so.6');
for (let round = 0; round < 20; round += 1) {
  libc.func('unsigned long getauxval(unsigned long type)');
  libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
  libc.func('long sysconf(int name)');

}
`;
let done = 0;
for (let index = 0; index < runs; index += 1) {
  const worker = new Worker(source, { eval: true });
  await new Promise((resolve) => worker.once('message', resolve));
  await new Promise((resolve) => setTimeout(resolve, Math.random() * Number(process.env.WINDOW_MS ?? 15)));
  await worker.terminate();
  done += 1;
}
console.log(`terminated ${done} workers, no abort`);
