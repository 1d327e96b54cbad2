// The subcommands. Each prints for people by default and, with --json, one JSON document.
import { once } from 'node:events';
import { createWriteStream, fsyncSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';

import { Worker } from 'node:worker_threads';
import { type RandomApi } from '@vgetrandom/getrandom';
import { discoverParams } from '@vgetrandom/params';
import { availableParallelism } from 'node:os';
import {
  GOARCH_OF_NODE,
  type GrowthPolicy,
  MmapPageSource,
  PROFILE_NAMES,
  type ProfileName,
  type ProfileSettings,
  SimulatedPageSource,
  SlabAllocator,
  allocatorOptions,
  profileSettings,
} from '@vgetrandom/slab';
import { cacheLineSize, nativeAvailability, onlineCpus, pageSize as hostPageSize, sysconf } from '@vgetrandom/sys';
import { drawComparison, drawLayout } from './draw.js';
import { inspectHost } from './inspect-host.js';
import { LEGEND, describeEvent, drawPages, parseScenario, startsIn, traceRecorder } from './trace.js';
import { compareBackends } from './measure.js';
import { UsageError, parseInteger, parseSize, progress, style } from './terminal.js';

const _SC_LEVEL1_DCACHE_LINESIZE = 190;

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}
/** Every address we print is a bigint, and every one is printed alike: 0x and lowercase hex. */
function json(value: unknown): void {
  out(JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? `0x${item.toString(16)}` : item), 2));
}

export function info(api: RandomApi, options: { json?: boolean }): void {
  const host = inspectHost();
  const backend = api.backendInfo();
  if (options.json) return json({ ...host, vdso: host.vdso ? { ...host.vdso, symbols: undefined } : undefined, backend });
  out(`${style.bold('host')}     ${host.platform} ${host.arch}, kernel ${host.kernel}, Node ${host.node}`);
  if (!host.native.available) out(`${style.bold('native')}   unavailable: ${host.native.reason}`);
  out(`${style.bold('vDSO')}     ${host.vdso ? `${host.vdso.base}, ${host.vdso.length} bytes, ${host.vdso.elfClass}-bit ${host.vdso.machine}, ${host.vdso.hashTable} hash` : 'none'}`);
  if (host.getrandomSymbol) out(`${style.bold('symbol')}   ${host.getrandomSymbol.name}@${host.getrandomSymbol.version} (since Linux ${host.getrandomSymbol.since})`);
  if (host.params?.supported) {
    out(`${style.bold('params')}   state ${host.params.sizeOfOpaqueState} B, ${host.params.mmapProtNames}, ${host.params.mmapFlagNames}`);
  } else if (host.params) {
    out(`${style.bold('params')}   unsupported: ${host.params.reason} (${host.params.detail})`);
  }
  out(`${style.bold('backend')}  ${backend.backend}${backend.state ? ` (state at 0x${backend.state.address.toString(16)}, ${backend.state.pool} pool)` : ''}`);
  for (const fallback of backend.fallbacks) out(`         skipped ${fallback.backend}: ${fallback.reason}`);
}

export function symbols(options: { json?: boolean }): void {
  const host = inspectHost();
  if (!host.vdso) throw new UsageError(host.native.available ? 'this process has no vDSO' : `no native calls here: ${host.native.reason}`);
  if (options.json) return json({ base: host.vdso.base, length: host.vdso.length, symbols: host.vdso.symbols });
  out(style.dim(`vDSO at ${host.vdso.base}, ${host.vdso.length} bytes; value is st_value, as readelf -Ws prints it`));
  for (const symbol of host.vdso.symbols) {
    const name = `${symbol.name}${symbol.version ? `@@${symbol.version}` : ''}`;
    const line = `  ${symbol.value.padStart(8)}  ${symbol.bind.padEnd(6)}  ${symbol.type.padEnd(6)}  ${name}`;
    out(symbol.isGetrandom ? style.magenta(`${line}  <- getrandom`) : line);
  }
}

export function params(options: { json?: boolean }): void {
  const host = inspectHost();
  if (options.json) return json(host.params ?? { supported: false, reason: 'unsupported-platform', detail: host.native.reason });
  if (!host.params?.supported) {
    out(`vDSO getrandom is not available here: ${host.params ? `${host.params.reason} (${host.params.detail})` : host.native.reason}`);
    out('Every call uses the getrandom syscall or node:crypto instead.');
    return;
  }
  const p = host.params;
  out(`size_of_opaque_state  ${p.sizeOfOpaqueState} bytes per thread`);
  out(`mmap_prot             0x${p.mmapProt.toString(16)}  ${p.mmapProtNames}`);
  out(`mmap_flags            0x${p.mmapFlags.toString(16)}  ${p.mmapFlagNames}`);
  out(`page size             ${p.pageSize} bytes; L1 line ${p.cacheLineSize} bytes`);
  out(`stride                ${p.stride} bytes (state rounded up to the line) -> ${p.statesPerPage} states a page`);
  for (const warning of p.warnings) out(style.yellow(`warning: ${warning}`));
}

/** Pages (lines) a drawing may have before slab asks for --force. */
const SLAB_DRAWING_LIMIT = 5000;
/** States, and bytes of (real or simulated) pages, slab allocates before it asks for --force, whatever the output format. */
const SLAB_STATES_LIMIT = 100_000;
const SLAB_MAPPED_LIMIT = 256 * 1024 ** 2;

export function slab(options: { profile?: string; arch?: string; policy?: string; states: string; pageSize?: string; simulated?: boolean; cpus?: string; json?: boolean; force?: boolean; trace?: boolean; scenario?: string }): void {
  if (options.profile !== undefined && options.policy !== undefined) throw new UsageError('give --profile or --policy, not both');
  if (options.profile !== undefined && !(PROFILE_NAMES as readonly string[]).includes(options.profile)) {
    throw new UsageError(`--profile must be one of ${PROFILE_NAMES.join(', ')} (got '${options.profile}')`);
  }
  if (options.policy !== undefined && !['glibc', 'percpu', 'adaptive'].includes(options.policy)) {
    throw new UsageError(`--policy must be glibc, percpu or adaptive (got '${options.policy}')`);
  }
  if (options.arch !== undefined && options.profile !== 'go-1.24') throw new UsageError('--arch applies to --profile go-1.24 only');
  const profile = (options.profile ?? (options.policy === undefined ? 'adaptive' : undefined)) as ProfileName | undefined;
  if (options.scenario !== undefined && !options.trace) throw new UsageError('--scenario applies to --trace');
  const requested = parseInteger(options.states, '--states', 0);
  // Traced: the scenario says what happens; by default the threads start, the older half
  // ends, and as many start again.
  const half = Math.floor(requested / 2);
  const scenario = options.trace ? parseScenario(options.scenario ?? (half > 0 ? `+${requested},-${half},+${half}` : `+${Math.max(requested, 1)}`)) : undefined;
  const states = scenario ? startsIn(scenario) : requested;
  const discovery = nativeAvailability().available ? discoverParams() : undefined;
  const stateSize = discovery?.supported ? discovery.params.sizeOfOpaqueState : 144;
  const hostPage = nativeAvailability().available ? hostPageSize() : 4096;
  const pageSize = options.pageSize === undefined ? hostPage : parseSize(options.pageSize);
  if (!(pageSize >= 256 && (pageSize & (pageSize - 1)) === 0 && pageSize <= 2 ** 30)) {
    throw new UsageError(`--page-size must be a power of two from 256 bytes to 1 GiB (got ${options.pageSize})`);
  }
  const cpus = options.cpus === undefined ? (nativeAvailability().available ? onlineCpus() : 1) : parseInteger(options.cpus, '--cpus', 1);
  const simulated = options.simulated || !discovery?.supported || pageSize !== hostPage;
  const source = simulated
    ? new SimulatedPageSource({ pageSize, cpus, cacheLineSize: nativeAvailability().available ? cacheLineSize() : 64 })
    : new MmapPageSource(discovery.params);
  // Bounded work: the states and pages slab allocates (JSON or not), and a drawing's length.
  if (!options.force && states > SLAB_STATES_LIMIT) {
    throw new UsageError(`--states ${states} is more than ${SLAB_STATES_LIMIT} states; pass --force to allocate them all`);
  }
  const strideGuess = Math.max(stateSize, 1);
  const statesPerPage = Math.max(1, Math.floor(pageSize / strideGuess));
  const mapped = Math.max(1, Math.ceil(states / statesPerPage)) * pageSize;
  if (!options.force && mapped > SLAB_MAPPED_LIMIT) {
    throw new UsageError(`${states} states on ${pageSize}-byte pages would map about ${Math.ceil(mapped / 1024 ** 2)} MiB; pass --force to map it`);
  }
  // A drawing is a line a page: refuse one that would print megabytes unless asked.
  const lines = Math.ceil((states * strideGuess) / pageSize);
  if (!options.json && !options.force && lines > SLAB_DRAWING_LIMIT) {
    throw new UsageError(`--states ${states} would draw about ${lines} lines; pass --force to draw them, or --json for the numbers`);
  }
  const native = nativeAvailability().available;
  let allocator: SlabAllocator;
  let settings: ProfileSettings | undefined;
  let recorder: ReturnType<typeof traceRecorder> | undefined;
  try {
    if (profile !== undefined) {
      const explicitCpus = options.cpus === undefined ? undefined : cpus;
      settings = profileSettings(profile, {
        // As reported, 0 included: glibc and the selftest then use no padding.
        reportedCacheLine: native ? sysconf(_SC_LEVEL1_DCACHE_LINESIZE) : 64,
        onlineCpus: explicitCpus ?? (native ? onlineCpus() : 1),
        affinityCpus: explicitCpus ?? availableParallelism(),
        goarch: options.arch ?? GOARCH_OF_NODE[process.arch],
        stateSize,
      });
    }
    const chosen = settings ? allocatorOptions(settings) : { policy: options.policy as GrowthPolicy, cpus };
    recorder = scenario ? traceRecorder(source) : undefined;
    allocator = new SlabAllocator({ stateSize, source: recorder?.source ?? source, pageSize, ...chosen });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const policy = allocator.policy;
  if (scenario && recorder) {
    const what = settings ? settings.summary : `policy '${policy}'${policy === 'percpu' ? ` with ${cpus} CPUs` : ''}`;
    const trace = recorder.run(allocator, scenario, settings?.returnsStates ?? true);
    const { stride } = allocator.stats();
    if (options.json) {
      json({ profile: profile ?? null, policy, scenario: options.scenario ?? null, stride, pageSize, events: trace.events, chunks: trace.chunks });
    } else {
      if (!options.force && trace.events.length > SLAB_DRAWING_LIMIT) {
        throw new UsageError(`the trace has ${trace.events.length} steps; pass --force to print them, or --json`);
      }
      out(style.dim(`trace: ${stateSize}-byte states, ${what}, ${simulated ? 'simulated pages' : 'real MAP_DROPPABLE pages'}`));
      const keepReason = settings?.returnsStates === false ? 'the 6.12 selftest never returns a state' : 'never returned';
      const width = String(trace.events.length).length;
      for (const event of trace.events) out(`${String(event.step).padStart(width)}  ${describeEvent(event, keepReason)}`);
      const pages = drawPages(trace, pageSize, stride);
      out(style.bold('\npages in the order they were mapped'));
      for (const line of pages.mappingOrder) out(line);
      out(style.bold('pages in address order'));
      for (const line of pages.addressOrder) out(line);
      out(style.bold('legend'));
      for (const line of LEGEND) out(`  ${line}`);
    }
    allocator.dispose();
    return;
  }
  for (let index = 0; index < states; index += 1) {
    if (allocator.allocate() === null) throw new Error(`the page source refused: ${allocator.stats().lastMapFailure}`);
  }
  const stats = allocator.stats();
  const layout = allocator.layout();
  if (options.json) {
    json({ profile: profile ?? null, policy, order: allocator.order, simulated, cpus: allocator.cpus, stats, layout });
  } else {
    const what = settings ? settings.summary : `policy '${policy}'${policy === 'percpu' ? ` with ${cpus} CPUs` : ''}`;
    out(style.dim(`${states} ${stateSize}-byte states, ${what}, ${simulated ? 'simulated pages' : 'real MAP_DROPPABLE pages'}`));
    for (const line of drawLayout(layout, stats)) out(line);
  }
  allocator.dispose();
}

/** Raw outputs from this size up are generated by several workers, each with its own state. */
const PARALLEL_MIN_BYTES = 64 * 1024 ** 2;
const PARALLEL_CHUNK = 1024 ** 2;

/**
 * Raw bytes from `threads` workers, written in order: chunk k is filled by worker k mod
 * threads, up to two chunks in flight a worker, and each is written as soon as every chunk
 * before it has been. Stops quietly when stdout closes.
 */
async function parallelBytes(stdout: Sink, total: number, threads: number, backend: string | undefined, bar: { update(done: number): void; done(): void }): Promise<void> {
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./bytes-worker.js', import.meta.url), { workerData: { backend } }));
  const chunks = Math.ceil(total / PARALLEL_CHUNK);
  const ready = new Map<number, ArrayBuffer>();
  let next = 0;
  let written = 0;
  let closed = false;
  stdout.once('close', () => (closed = true));
  stdout.once('error', () => (closed = true));
  const send = (index: number) => {
    const size = Math.min(PARALLEL_CHUNK, total - index * PARALLEL_CHUNK);
    workers[index % threads]!.postMessage({ index, buffer: new ArrayBuffer(size) });
  };
  let requested = 0;
  for (; requested < Math.min(chunks, threads * 2); requested += 1) send(requested);
  await new Promise<void>((resolve, reject) => {
    // One writer at a time: chunks that arrive while it waits for the reader queue up.
    let writing = false;
    const pump = async () => {
      writing = true;
      while (ready.has(next) && !closed) {
        const bytes = Buffer.from(ready.get(next)!);
        ready.delete(next);
        next += 1;
        written += bytes.length;
        if (requested < chunks) send(requested++);
        if (!stdout.write(bytes)) await new Promise((drained) => stdout.once('drain', drained));
        bar.update(written);
      }
      writing = false;
      if (next === chunks || closed) resolve();
    };
    for (const worker of workers) {
      worker.on('message', ({ index, buffer }: { index: number; buffer: ArrayBuffer }) => {
        ready.set(index, buffer);
        if (!writing) pump().catch(reject);
      });
      worker.once('error', reject);
    }
  });
  await Promise.all(workers.map((worker) => worker.terminate()));
  bar.done();
}

/** Where bytes go: stdout, or the temporary file of `-o`. */
type Sink = NodeJS.WritableStream & { once(event: string, listener: (...args: unknown[]) => void): unknown };

export async function bytes(api: RandomApi, sizeText: string, options: { hex?: boolean; base64?: boolean; wrap?: string; output?: string }, backend?: string): Promise<void> {
  if (options.hex && options.base64) throw new UsageError('choose one of --hex and --base64');
  if (options.wrap !== undefined && !options.base64) throw new UsageError('--wrap applies to --base64');
  const total = parseSize(sizeText);
  // openssl rand -base64 wraps at 64 columns; 0 (the default) writes one line.
  const wrap = options.wrap === undefined ? 0 : parseInteger(options.wrap, '--wrap', 0);
  if (wrap % 4 !== 0) throw new UsageError(`--wrap must be a multiple of 4 (got ${wrap}), so that lines hold whole base64 groups`);
  if (options.output === undefined) return writeBytes(process.stdout, api, total, wrap, options, backend);
  if (options.output === '') throw new UsageError('-o needs a file name');
  // As openssl rand -out, but never a partial file: the bytes go to a temporary name in the
  // same directory (so the rename cannot cross file systems), readable by the owner only,
  // synced, then renamed over FILE. Any failure, or Ctrl-C, removes the temporary file.
  const target = resolvePath(options.output);
  const temporary = join(dirname(target), `.${basename(target)}.${api.randomBytes(6).toString('hex')}.tmp`);
  const stream = createWriteStream(temporary, { flags: 'wx', mode: 0o600 });
  const removeTemporary = () => rmSync(temporary, { force: true });
  const interrupted = (signal: NodeJS.Signals) => {
    removeTemporary();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  process.once('SIGHUP', interrupted);
  try {
    await once(stream, 'open');
    let failure: unknown;
    stream.once('error', (error) => (failure = error));
    await writeBytes(stream, api, total, wrap, options, backend);
    if (failure !== undefined) throw failure;
    await new Promise<void>((resolve, reject) => stream.write('', (error) => (error ? reject(error) : resolve())));
    fsyncSync((stream as unknown as { fd: number }).fd);
    await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
    renameSync(temporary, target);
  } catch (error) {
    stream.destroy();
    removeTemporary();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EROFS') {
      throw new UsageError(`cannot write ${options.output}: ${(error as Error).message}`);
    }
    throw error;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    process.off('SIGHUP', interrupted);
  }
}

/** Whether the reader of `stream` has gone away (closed it, or made it fail), and when. */
function watchReader(stream: Sink): { readonly gone: Promise<void>; closed(): boolean } {
  let closed = false;
  const gone = new Promise<void>((resolve) => {
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
  }).then(() => {
    closed = true;
  });
  return { gone, closed: () => closed };
}

async function writeBytes(stdout: Sink, api: RandomApi, total: number, wrap: number, options: { hex?: boolean; base64?: boolean }, backend?: string): Promise<void> {
  // Wrapped base64 lines hold wrap / 4 × 3 bytes each; a chunk holds whole lines.
  const chunkSize = wrap > 0 ? Math.max(1, Math.floor(65_536 / ((wrap / 4) * 3))) * ((wrap / 4) * 3) : 64 * 1024;
  const bar = progress('bytes', total);
  const threads = Math.min(4, availableParallelism());
  if (!options.hex && !options.base64 && total >= PARALLEL_MIN_BYTES && threads >= 2) return parallelBytes(stdout, total, threads, backend, bar);
  // The reader may go away (e.g. `| head -c 10`): stop quietly; other write errors are
  // reported by the handler in cli.ts (stdout) or by bytes() (a file).
  const reader = watchReader(stdout);
  // A base64 chunk must be a multiple of 3 bytes so the pieces concatenate correctly.
  const step = options.base64 ? chunkSize - (chunkSize % 3) : chunkSize;
  let written = 0;
  while (written < total && !reader.closed()) {
    const size = Math.min(step, total - written);
    // Its own memory, not Node's shared Buffer pool, where the bytes would outlive the write.
    const chunk = Buffer.allocUnsafeSlow(size);
    api.getrandom(chunk);
    let text: string | Buffer = options.hex ? chunk.toString('hex') : options.base64 ? chunk.toString('base64') : chunk;
    if (wrap > 0 && typeof text === 'string') text = `${text.replace(new RegExp(`(.{${wrap}})`, 'g'), '$1\n').replace(/\n$/, '')}\n`;
    written += size;
    // Backpressure: wait for the reader before making more.
    if (!stdout.write(text)) await Promise.race([new Promise((resolve) => stdout.once('drain', resolve)), reader.gone]);
    bar.update(written);
  }
  bar.done();
  if ((options.hex || (options.base64 && wrap === 0)) && !reader.closed() && total > 0) stdout.write('\n');
}

/** Most UUIDs or integers one command prints (randomUUIDs' own limit). */
const COUNT_LIMIT = 2 ** 24;
/** Values made and written at a time: memory stays bounded however many are asked for. */
const BATCH = 65_536;

/**
 * Writes `count` values made `BATCH` at a time by `make`, one a line, or as one JSON array
 * exactly as JSON.stringify(values, null, 2) would print it, waiting for the reader between
 * batches. Stops quietly if the reader goes away.
 */
async function streamValues(count: number, asJson: boolean, make: (size: number) => Array<string | number>): Promise<void> {
  const stdout = process.stdout;
  const reader = watchReader(stdout);
  if (asJson && count === 0) return out('[]');
  for (let done = 0; done < count && !reader.closed(); ) {
    const size = Math.min(BATCH, count - done);
    const values = make(size);
    const text = asJson
      ? `${done === 0 ? '[\n' : ''}${values.map((value) => `  ${JSON.stringify(value)}`).join(',\n')}${done + size === count ? '\n]\n' : ',\n'}`
      : `${values.join('\n')}\n`;
    done += size;
    if (!stdout.write(text)) await Promise.race([new Promise((resolve) => stdout.once('drain', resolve)), reader.gone]);
  }
}

export async function uuid(api: RandomApi, options: { count: string; json?: boolean }): Promise<void> {
  const count = parseInteger(options.count, '-n', 0);
  if (count > COUNT_LIMIT) throw new UsageError(`-n must be at most ${COUNT_LIMIT} (got ${count})`);
  // As shuf -n 0: nothing at all, not an empty line.
  await streamValues(count, options.json === true, (size) => api.randomUUIDs(size));
}

export async function int(api: RandomApi, minText: string, maxText: string, options: { count: string; json?: boolean }): Promise<void> {
  const min = parseInteger(minText, 'min');
  const max = parseInteger(maxText, 'max');
  if (max < min) throw new UsageError(`max (${max}) must not be less than min (${min})`);
  if (max - min >= 2 ** 48 - 1) throw new UsageError('max - min must be below 2^48 - 1');
  const count = parseInteger(options.count, '-n', 0);
  if (count > COUNT_LIMIT) throw new UsageError(`-n must be at most ${COUNT_LIMIT} (got ${count})`);
  // The range is inclusive here, as people expect of a command line; randomInts' max is
  // exclusive. At Number.MAX_SAFE_INTEGER, max + 1 is not a safe integer: draw from
  // [min - 1, max) and add 1, which is the same range.
  const shifted = !Number.isSafeInteger(max + 1);
  await streamValues(count, options.json === true, (size) =>
    shifted ? api.randomInts(min - 1, max, size).map((value) => value + 1) : api.randomInts(min, max + 1, size),
  );
}

export function bench(options: { quick?: boolean; json?: boolean }): void {
  const budget = options.quick ? 600 : 3000;
  const small = compareBackends(16, budget / 2);
  const large = compareBackends(4096, budget / 2);
  if (options.json) return json({ sizes: { 16: small, 4096: large } });
  out(style.bold('16-byte requests'));
  for (const line of drawComparison(small)) out(line);
  out(style.bold('4 KiB requests'));
  for (const line of drawComparison(large)) out(line);
  out(style.dim('A quick look; `npm run bench` runs the full benchmark with the C limit.'));
}

/** The narrated walk through every layer on this machine. */
export async function tour(api: RandomApi): Promise<void> {
  const step = (number: number, title: string) => out(`\n${style.bold(style.cyan(`${number}. ${title}`))}`);
  const host = inspectHost();
  out(style.bold('vgetrandom: how Linux hands out random bytes without a syscall, on this machine'));
  out(style.dim(`${host.platform} ${host.arch}, kernel ${host.kernel}, Node ${host.node}`));

  step(1, 'The vDSO: code the kernel maps into every process');
  if (!host.native.available) {
    out(`Native calls are not available here (${host.native.reason}), so we cannot look inside.`);
  } else if (!host.vdso) {
    out('This process has no vDSO (AT_SYSINFO_EHDR is 0).');
  } else {
    out(`getauxval(AT_SYSINFO_EHDR) says it is at ${host.vdso.base}: a ${host.vdso.length}-byte ${host.vdso.elfClass}-bit ELF image for ${host.vdso.machine}.`);
    out(`Its ${host.vdso.hashTable} hash table resolves these exported functions:`);
    for (const symbol of host.vdso.symbols.filter((entry) => entry.bind === 'global')) {
      const line = `  ${symbol.name}${symbol.version ? `@${symbol.version}` : ''}`;
      out(symbol.isGetrandom ? style.magenta(`${line}   <- the one we want`) : style.dim(line));
    }
  }

  step(2, 'The opaque params: the kernel says how to allocate per-thread state');
  if (host.params?.supported) {
    const p = host.params;
    out(`Called once as vgetrandom(NULL, 0, 0, &params, ~0UL), it answered:`);
    out(`  each thread needs a ${style.bold(`${p.sizeOfOpaqueState}-byte`)} state, in memory mapped ${style.bold(p.mmapProtNames)} with ${style.bold(p.mmapFlagNames)}`);
    out(`  MAP_DROPPABLE pages may be zeroed by the kernel at any time, are wiped on fork, never swapped.`);
    out(`  With ${p.pageSize}-byte pages and ${p.cacheLineSize}-byte cache lines: stride ${p.stride} B, ${p.statesPerPage} states a page, none straddling a page.`);
  } else {
    out(`vDSO getrandom is not usable here: ${host.params ? `${host.params.reason}: ${host.params.detail}` : host.native.reason}.`);
  }

  step(3, 'The slab: states carved from pages, one per thread');
  const info = api.backendInfo();
  if (info.backend === 'vdso' && info.state?.pool === 'shared') {
    const workers = Array.from({ length: 3 }, () => new Worker(new URL('./tour-worker.js', import.meta.url)));
    await Promise.all(workers.map((worker) => once(worker, 'message')));
    const { sharedStatePool } = await import('@vgetrandom/getrandom');
    const pool = sharedStatePool()!;
    out(`This thread and 3 worker threads each took a state from the process-wide pool:`);
    for (const line of drawLayout(pool.slab.layout(), pool.slab.stats(), 4)) out(`  ${line}`);
    await Promise.all(workers.map((worker) => { const exited = once(worker, 'exit'); worker.postMessage('exit'); return exited; }));
    out(style.dim(`When the workers exit they give their states back: ${pool.stats().statesInUse} now in use. Try: vgetrandom slab --profile glibc-2.41 --states 40`));
  } else {
    out(`No vDSO states on this host; see \`vgetrandom slab --simulated\` for how they would be laid out.`);
  }

  step(4, 'The backend this process uses, and why');
  out(`  ${style.bold(info.backend)}${info.requested !== 'auto' ? ` (forced with VGETRANDOM_BACKEND=${info.requested})` : ''}`);
  for (const fallback of info.fallbacks) out(`  skipped ${fallback.backend}: ${fallback.reason} - ${fallback.detail}`);
  if (info.fallbacks.length === 0) out(style.dim('  nothing was skipped: every call is a plain function call into the vDSO'));

  step(5, 'Some output');
  const sample = new Uint8Array(16);
  api.getrandom(sample);
  out(`  16 bytes: ${Buffer.from(sample).toString('hex')}`);
  out(`  a UUID:   ${api.randomUUID()}`);
  out(style.dim('  No bytes are kept in user space between calls: every call asks the kernel\'s generator.'));

  step(6, 'How fast, side by side (about 2 seconds)');
  for (const line of drawComparison(compareBackends(16, 2000))) out(line);
  out(style.dim('\nNext: vgetrandom --help, or npm run bench for the full benchmark.'));
}
