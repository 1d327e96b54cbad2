// vgetrandom: a guided tour of Linux's vDSO getrandom on this machine, and a practical
// random-bytes tool. User mistakes exit 2 with one line and the usage; internal errors
// exit 1 with a short message; never a stack trace.
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { GetrandomError, type RandomApi, createApi, createEngine } from '@vgetrandom/getrandom';
import * as commands from './commands.js';
import { explore } from './explore.js';
import { UsageError, style } from './terminal.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const program = new Command('vgetrandom')
  .description('Linux vDSO getrandom() for Node.js, layer by layer')
  .version(version, '-V, --version', 'print the version')
  .addOption(new Option('--backend <name>', 'force a backend (as VGETRANDOM_BACKEND)').choices(['auto', 'vdso', 'syscall', 'crypto']))
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

let api: RandomApi | undefined;
/** The API, honouring --backend (VGETRANDOM_BACKEND also works, as for every program). */
function random(): RandomApi {
  const backend = program.opts<{ backend?: string }>().backend;
  api ??= backend ? createApi(createEngine({ backend })) : createApi(createEngine());
  return api;
}

program.command('tour').description('a narrated walk through every layer on this machine').action(() => commands.tour(random()));
program.command('info').description('host, vDSO, params and backend in brief').option('--json', 'machine-readable output').action((options) => commands.info(random(), options));
program.command('symbols').description("the vDSO's exported functions, getrandom highlighted").option('--json', 'machine-readable output').action((options) => commands.symbols(options));
program.command('params').description('the opaque state parameters, decoded').option('--json', 'machine-readable output').action((options) => commands.params(options));
program
  .command('slab')
  .description('draw the state layout a profile produces: glibc 2.41, Go 1.24, the kernel selftest, or ours')
  .option('--profile <name>', 'glibc-2.41 | go-1.24 | selftest-6.11 | selftest | adaptive (ours)')
  .option('--arch <goarch>', 'GOARCH for go-1.24 (amd64, arm64, ppc64le, s390x, ...); default: this host')
  .option('--policy <policy>', 'low level, without a profile: the refill policy alone (glibc | percpu | adaptive)')
  .option('--states <n>', 'states to allocate', '24')
  .option('--page-size <size>', 'page size (e.g. 16K); implies --simulated unless it is the host page size')
  .option('--cpus <n>', "CPUs for go-1.24, the selftest and 'percpu' (default: this host's)")
  .option('--simulated', 'use simulated pages instead of real MAP_DROPPABLE memory')
  .option('--trace', 'every event in order (thread start, refill mmap, slot taken, thread exit and return, unmap), then the pages in mapping and address order')
  .option('--scenario <steps>', "with --trace: +N threads start, -N the oldest end, -tK thread K ends, e.g. '+3,-1,+2' (default: +states, -half, +half)")
  .option('--force', 'draw even when the drawing would be very long')
  .option('--json', 'machine-readable output')
  .action((options) => commands.slab(options));
program
  .command('bytes')
  .description('write random bytes to stdout, like head -c N /dev/urandom')
  .argument('<size>', 'how many bytes, as head -c reads them: 1024, 1b (512), 64K or 64KiB, 64kB (64 000), 1M, 2G')
  .option('--hex', 'hexadecimal text')
  .option('--base64', 'base64 text')
  .option('-w, --wrap <cols>', 'with --base64: wrap lines at this many columns, as openssl rand -base64 does at 64 (0: one line)')
  .option('-o, --output <file>', 'write to FILE instead of stdout, as openssl rand -out (a temporary name, renamed when complete; mode 0600)')
  .action((size, options) => commands.bytes(random(), size, options, program.opts<{ backend?: string }>().backend));
program
  .command('uuid')
  .description('random UUIDs (RFC 9562 version 4)')
  .option('-n, --count <n>', 'how many', '1')
  .option('--json', 'machine-readable output')
  .action((options) => commands.uuid(random(), options));
program
  .command('int')
  .description('random integers in [min, max], unbiased')
  .argument('<min>')
  .argument('<max>')
  .option('-n, --count <n>', 'how many', '1')
  .option('--json', 'machine-readable output')
  .action((min, max, options) => commands.int(random(), min, max, options));
program
  .command('explore')
  .description('an explorer page: every profile side by side through a scenario, step by step, in one self-contained HTML file')
  .option('--scenario <steps>', "+N threads start, -N the oldest end, -tK thread K ends, after the main thread's call (default: +22,-t3,-t21,+3)")
  .option('--profiles <list>', 'comma-separated: glibc-2.41, go-1.24, selftest-6.11, selftest, adaptive (default: all)')
  .option('-o, --output <file>', 'where to write the page (default: vgetrandom-explorer.html)')
  .option('--serve', 'serve the page on 127.0.0.1 instead of writing it')
  .option('--port <n>', 'with --serve: the port (default: any free one)')
  .action((options) => explore(options));

program
  .command('bench')
  .description('a quick comparison of the vDSO, the syscall and node:crypto')
  .option('--quick', 'a shorter run')
  .option('--json', 'machine-readable output')
  .action((options) => commands.bench(options));

for (const command of program.commands) command.exitOverride();

function usageFor(): string {
  const name = process.argv.slice(2).find((word) => program.commands.some((command) => command.name() === word));
  const command = program.commands.find((entry) => entry.name() === name);
  return command ? `usage: vgetrandom ${command.name()} ${command.usage()}` : `usage: vgetrandom ${program.usage()}\nrun 'vgetrandom --help' for the commands`;
}

/** With no command (only global options, or nothing), run the tour. */
function withDefaultCommand(argv: string[]): string[] {
  const words = argv.slice(2);
  const positional = words.filter((word, index) => !word.startsWith('-') && words[index - 1] !== '--backend');
  const wantsHelp = words.some((word) => word === '-h' || word === '--help');
  return positional.length === 0 && !wantsHelp ? [...argv, 'tour'] : argv;
}

// Output errors: a reader that goes away (EPIPE, `| head -1`) ends the command quietly and
// successfully; any other failure to write (ENOSPC on /dev/full, EIO) is one line and exit 1.
function onOutputError(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') process.exit(0);
  process.stderr.write(`${style.red('error:')} cannot write the output: ${error.message}\n`);
  process.exit(1);
}
process.stdout.on('error', onOutputError);

async function main(): Promise<void> {
  try {
    await program.parseAsync(withDefaultCommand(process.argv));
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its one-line message already; help and --version are successes.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') process.exit(0);
      process.stderr.write(`${usageFor()}\n`);
      process.exit(2);
    }
    if (error instanceof UsageError || (error instanceof GetrandomError && error.code.startsWith('ERR_'))) {
      process.stderr.write(`${style.red('error:')} ${error.message}\n${usageFor()}\n`);
      process.exit(2);
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPIPE' || code === 'ENOSPC' || code === 'EIO' || code === 'EFBIG' || code === 'EDQUOT') onOutputError(error as NodeJS.ErrnoException);
    process.stderr.write(`${style.red('internal error:')} ${(error as Error).message}\n`);
    process.exit(1);
  }
}

// Built as CommonJS (no top-level await there): the bin starts without the ESM loader.
void main();
