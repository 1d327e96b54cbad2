// The termination guard in a process of its own. GUARD_CASE:
//   'coverage'   who may load koffi: workers started by a thread that imported the package
//                (nested too, and through a Worker class copied before the import) may;
//                workers whose parent or an ancestor had not imported it may not
//   'late'       the main thread imports the package after starting a worker: that worker
//                is uncovered, one started afterwards is covered
//   'waits'      terminate() returns only after the worker left the setup step it was in
//   'recycled'   60 workers come and go: their records are freed (by the parent's 'exit' event)
// Prints one JSON line.
// A copy of the class taken before the import (an ESM `import { Worker }` is a live binding
// and sees the recording class, as the tests show; a copied value does not).
const SavedWorker = process.getBuiltinModule('node:worker_threads').Worker;

const which = process.env.GUARD_CASE;
const entry = new URL('../dist/index.js', import.meta.url).href;
const once = (worker, event) => new Promise((resolve, reject) => { worker.once(event, resolve); if (event !== 'error') worker.once('error', reject); });

// A worker that reports its coverage (and nativeAvailability's code), optionally after
// starting one child of its own with the given source.
const reporter = (child) => `
  const { parentPort, Worker } = require('node:worker_threads');
  const importFirst = ${child ? JSON.stringify(child.importFirst) : 'true'};
  const run = async () => {
    const sys = importFirst ? await import(${JSON.stringify(entry)}) : undefined;
    const own = sys ? { coverage: sys.guardCoverage(), native: sys.nativeAvailability() } : undefined;
    const source = ${child ? JSON.stringify(child.source) : 'undefined'};
    let below;
    if (source) {
      const WorkerClass = require('node:worker_threads').Worker;
      const worker = new WorkerClass(source, { eval: true });
      below = await new Promise((resolve) => worker.once('message', resolve));
      await worker.terminate();
    }
    parentPort.postMessage({ own: own && { covered: own.coverage.covered, reason: own.coverage.reason, native: own.native.available ? 'available' : own.native.code }, below });
  };
  run();
`;

async function report(WorkerClass, source) {
  const worker = new WorkerClass(source, { eval: true });
  const message = await once(worker, 'message');
  await worker.terminate();
  return message;
}

if (which === 'coverage') {
  await import(entry);
  const { Worker } = await import('node:worker_threads');
  const direct = await report(Worker, reporter());
  const nested = await report(Worker, reporter({ importFirst: true, source: reporter() }));
  const parentDidNotImport = await report(Worker, reporter({ importFirst: false, source: reporter() }));
  const deeper = await report(Worker, reporter({ importFirst: false, source: reporter({ importFirst: true, source: reporter() }) }));
  const saved = await report(SavedWorker, reporter());
  // An application that shapes or suppresses stack traces changes nothing.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const noStacks = await report(Worker, reporter());
  Error.stackTraceLimit = limit;
  Error.prepareStackTrace = () => { throw new Error('a broken source-map hook'); };
  const throwingHook = await report(Worker, reporter());
  Error.prepareStackTrace = undefined;
  console.log(JSON.stringify({ direct, nested, parentDidNotImport, deeper, saved, noStacks, throwingHook, sameClass: Worker === SavedWorker }));
  process.exit(0);
}

if (which === 'late') {
  const early = new SavedWorker(`require('node:worker_threads').parentPort.once('message', async (entry) => {
    const sys = await import(entry);
    require('node:worker_threads').parentPort.postMessage({ covered: sys.guardCoverage().covered, native: sys.nativeAvailability().code ?? 'available' });
  });`, { eval: true });
  await import(entry);
  const { Worker } = await import('node:worker_threads');
  early.postMessage(entry);
  const before = await once(early, 'message');
  await early.terminate();
  const after = (await report(Worker, reporter())).own;
  console.log(JSON.stringify({ before, after }));
  process.exit(0);
}

if (which === 'waits') {
  const sys = await import(entry);
  const { Worker } = await import('node:worker_threads');
  const left = new Int32Array(new SharedArrayBuffer(4));
  // The worker's setup step, made long: it reports that it is inside, sleeps, and notes when it leaves.
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    import(${JSON.stringify(entry)}).then((sys) => {
      sys.withTerminationGuard(() => {
        parentPort.postMessage('inside');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        Atomics.store(workerData.left, 0, 1);
      });
      setInterval(() => {}, 1000);
    });`, { eval: true, workerData: { left } });
  await once(worker, 'message');
  await worker.terminate();
  console.log(JSON.stringify({ leftBeforeTerminateReturned: Atomics.load(left, 0) === 1, records: sys.guardRecordsInUse() }));
  process.exit(0);
}

if (which === 'recycled') {
  const sys = await import(entry);
  const { Worker } = await import('node:worker_threads');
  let peak = 0;
  for (let index = 0; index < 60; index += 1) {
    const worker = new Worker(reporter(), { eval: true });
    await once(worker, 'message');
    peak = Math.max(peak, sys.guardRecordsInUse());
    if (index % 2 === 0) await worker.terminate();
    else {
      worker.postMessage('bye');
      await worker.terminate();
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  console.log(JSON.stringify({ peak, after: sys.guardRecordsInUse() }));
  process.exit(0);
}
throw new Error(`GUARD_CASE ${which}?`);
