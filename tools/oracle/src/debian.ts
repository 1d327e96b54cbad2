// The real implementations, from Debian 13 (trixie) packages: glibc 2.41 (libc6) and Go 1.24
// (golang-1.24-go, golang-1.24-src). Downloaded with apt-get into a cache of our own, without
// touching the system's package sources, and unpacked with dpkg-deb. Probes of our own are
// built against them: C with the host's cc (run through glibc 2.41's own ld.so), Go with the
// downloaded toolchain.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cacheDirectory = process.env['VGETRANDOM_ORACLE_CACHE'] ?? join(tmpdir(), 'vgetrandom-oracle');
const probes = fileURLToPath(new URL('../probes/', import.meta.url));

/** A runnable probe, or why there is none. */
export type Probe = { readonly ok: true; readonly command: readonly string[]; readonly version: string } | { readonly ok: false; readonly reason: string };

function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...options });
}

/** The mirror the system already uses, from its deb822 or one-line sources (never a hard-coded host). */
function mirror(): string {
  const directory = '/etc/apt/sources.list.d';
  for (const name of existsSync(directory) ? readdirSync(directory) : []) {
    if (!name.endsWith('.sources')) continue;
    const match = /^URIs:\s*(\S+)/m.exec(readFileSync(join(directory, name), 'utf8'));
    if (match && !match[1]!.includes('security')) return match[1]!;
  }
  if (existsSync('/etc/apt/sources.list')) {
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/m.exec(readFileSync('/etc/apt/sources.list', 'utf8'));
    if (match) return match[1]!;
  }
  throw new Error('no Debian mirror is configured in /etc/apt');
}

/** Downloads and unpacks `packages` from trixie into the cache; returns the unpacked root. */
function unpack(packages: readonly string[]): string {
  const root = join(cacheDirectory, 'root');
  const downloads = join(cacheDirectory, 'debs');
  const stamp = join(cacheDirectory, `unpacked-${packages.join('+')}`);
  if (existsSync(stamp)) return root;
  mkdirSync(join(cacheDirectory, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(cacheDirectory, 'cache', 'archives', 'partial'), { recursive: true });
  mkdirSync(downloads, { recursive: true });
  mkdirSync(root, { recursive: true });
  const sources = join(cacheDirectory, 'trixie.list');
  writeFileSync(sources, `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror()} trixie main\n`);
  const apt = [
    '-o', `Dir::Etc::sourcelist=${sources}`,
    '-o', 'Dir::Etc::sourceparts=/dev/null',
    '-o', `Dir::State::Lists=${join(cacheDirectory, 'lists')}`,
    '-o', `Dir::Cache=${join(cacheDirectory, 'cache')}`,
    '-o', 'APT::Sandbox::User=root',
    '-qq',
  ];
  if (!existsSync(join(cacheDirectory, 'lists-updated'))) {
    run('apt-get', [...apt, 'update']);
    writeFileSync(join(cacheDirectory, 'lists-updated'), '');
  }
  run('apt-get', [...apt, 'download', ...packages], { cwd: downloads });
  for (const name of readdirSync(downloads)) {
    if (packages.some((pkg) => name.startsWith(`${pkg}_`))) run('dpkg-deb', ['-x', join(downloads, name), root]);
  }
  writeFileSync(stamp, '');
  return root;
}

function reasonOf(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr;
  return `${(error as Error).message.split('\n')[0]}${stderr ? `: ${stderr.trim().split('\n').slice(-2).join(' ')}` : ''}`;
}

/** glibc-probe built with cc, run on glibc 2.41 through its own dynamic loader. */
export function glibcProbe(): Probe {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { ok: false, reason: 'the glibc oracle needs Linux on x86_64' };
  try {
    const root = unpack(['libc6']);
    const library = join(root, 'usr', 'lib', 'x86_64-linux-gnu');
    const binary = join(cacheDirectory, 'glibc-probe');
    run('cc', ['-O2', '-Wall', '-pthread', '-o', binary, join(probes, 'glibc-probe.c')]);
    const loader = join(library, 'ld-linux-x86-64.so.2');
    const version = run(loader, ['--library-path', library, join(library, 'libc.so.6')]).split('\n')[0]!.replace(/^.*release version /, 'glibc ').replace(/\.$/, '');
    return { ok: true, command: [loader, '--library-path', library, binary], version };
  } catch (error) {
    return { ok: false, reason: `glibc 2.41 from Debian 13 is unavailable here (${reasonOf(error)})` };
  }
}

/**
 * release-probe (probes/release-probe.c) built with cc and run on glibc 2.41 like glibc-probe:
 * a thread cancelled in the middle of getrandom(), then three threads that start after it.
 */
export function releaseProbe(): Probe {
  const glibc = glibcProbe();
  if (!glibc.ok) return glibc;
  try {
    const binary = join(cacheDirectory, 'release-probe');
    run('cc', ['-O2', '-Wall', '-pthread', '-o', binary, join(probes, 'release-probe.c')]);
    return { ok: true, command: [...glibc.command.slice(0, -1), binary], version: glibc.version };
  } catch (error) {
    return { ok: false, reason: `the release probe could not be built (${reasonOf(error)})` };
  }
}

/** go-probe built by Go 1.24 from Debian 13. */
export function goProbe(): Probe {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { ok: false, reason: 'the Go oracle needs Linux on x86_64' };
  try {
    const root = unpack(['golang-1.24-go', 'golang-1.24-src']);
    const goroot = join(root, 'usr', 'lib', 'go-1.24');
    const binary = join(cacheDirectory, 'go-probe');
    const env = { ...process.env, GOROOT: goroot, GOTOOLCHAIN: 'local', GOCACHE: join(cacheDirectory, 'gocache'), GOPATH: join(cacheDirectory, 'gopath'), GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
    run(join(goroot, 'bin', 'go'), ['build', '-o', binary, '.'], { cwd: join(probes, 'go-probe'), env });
    const version = run(join(goroot, 'bin', 'go'), ['version'], { env }).trim().split(' ')[2]!;
    return { ok: true, command: [binary], version };
  } catch (error) {
    return { ok: false, reason: `Go 1.24 from Debian 13 is unavailable here (${reasonOf(error)})` };
  }
}
