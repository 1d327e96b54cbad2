// `vgetrandom explore`: the explorer page for a scenario, written to one self-contained HTML
// file or served on 127.0.0.1.
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { GOARCH_OF_NODE, GO_VDSO_GOARCHES, PROFILE_NAMES, type ProfileName, formatScenario } from '@vgetrandom/slab';
import { discoverParams } from '@vgetrandom/params';
import { nativeAvailability, onlineCpus, pageSize as hostPageSize, sysconf } from '@vgetrandom/sys';
import { exploreModel } from './explore-model.js';
import { explorePage } from './explore-page.js';
import { scenarioEvents } from './trace.js';
import { UsageError, parseInteger } from './terminal.js';

const _SC_LEVEL1_DCACHE_LINESIZE = 190;
/** Thread events a page may hold before explore refuses (each is a step of every profile). */
const EXPLORE_EVENTS_LIMIT = 2000;
export const DEFAULT_EXPLORE_SCENARIO = '+22,-t3,-t21,+3';

/** The page for the options, and the facts about it the command prints. */
export function explorerHtml(options: { scenario?: string; profiles?: string }): { html: string; steps: number; profiles: ProfileName[]; skipped: string[] } {
  const events = scenarioEvents(options.scenario ?? DEFAULT_EXPLORE_SCENARIO);
  if (events.length > EXPLORE_EVENTS_LIMIT) throw new UsageError(`--scenario has ${events.length} thread events; the explorer draws at most ${EXPLORE_EVENTS_LIMIT}`);
  const asked = options.profiles === undefined ? [...PROFILE_NAMES] : options.profiles.split(',').map((name) => name.trim());
  for (const name of asked) if (!(PROFILE_NAMES as readonly string[]).includes(name)) throw new UsageError(`--profiles takes names from ${PROFILE_NAMES.join(', ')} (got '${name}')`);
  if (asked.length === 0 || new Set(asked).size !== asked.length) throw new UsageError('--profiles lists each profile once');
  const native = nativeAvailability().available;
  const discovery = native ? discoverParams() : undefined;
  const goarch = GOARCH_OF_NODE[process.arch] ?? process.arch;
  const skipped: string[] = [];
  const profiles = (asked as ProfileName[]).filter((name) => {
    if (name === 'go-1.24' && !GO_VDSO_GOARCHES.includes(goarch) && options.profiles === undefined) {
      skipped.push(`go-1.24: Go 1.24 has no vDSO getrandom on ${goarch}`);
      return false;
    }
    return true;
  });
  let data;
  try {
    data = exploreModel({
      scenario: formatScenario(events),
      events,
      profiles,
      host: {
        reportedCacheLine: native ? sysconf(_SC_LEVEL1_DCACHE_LINESIZE) : 64,
        onlineCpus: native ? onlineCpus() : 1,
        affinityCpus: availableParallelism(),
        goarch,
      },
      stateSize: discovery?.supported ? discovery.params.sizeOfOpaqueState : 144,
      pageSize: native ? hostPageSize() : 4096,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return { html: explorePage(data), steps: events.length + 1, profiles, skipped };
}

export async function explore(options: { scenario?: string; profiles?: string; output?: string; serve?: boolean; port?: string }): Promise<void> {
  if (options.serve && options.output !== undefined) throw new UsageError('give --output or --serve, not both');
  if (options.port !== undefined && !options.serve) throw new UsageError('--port applies to --serve');
  const port = options.port === undefined ? 0 : parseInteger(options.port, '--port', 0);
  if (port > 65535) throw new UsageError(`--port must be from 0 to 65535 (got ${options.port})`);
  const page = explorerHtml(options);
  for (const line of page.skipped) process.stderr.write(`note: ${line}\n`);
  const about = `${page.profiles.length} profiles, ${page.steps} steps`;
  if (!options.serve) {
    const file = resolvePath(options.output ?? 'vgetrandom-explorer.html');
    writeFileSync(file, page.html);
    process.stdout.write(`wrote ${file} (${about}); open it in a browser: it needs no network\n`);
    return;
  }
  // Loaded here, not at start-up: every command of the CLI would pay for node:http otherwise.
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url !== '/' && request.url !== '/index.html')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the explorer is at /\n');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(page.html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new UsageError(`--port ${port} is in use on 127.0.0.1; pick another, or 0 for any free port`) : error));
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  process.stdout.write(`serving the explorer (${about}) at http://127.0.0.1:${bound}/ ; Ctrl-C to stop\n`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
