#!/usr/bin/env node
// Rebuilds tools/fuzz/corpus from Debian's kernel debug packages: downloads each package,
// takes its vDSO image, keeps the bytes the kernel maps (the PT_LOAD extent, as readelf
// reports it), and records what readelf says of its dynamic symbols. Our parser is not
// used here: manifest.json is the oracle the corpus test compares the parser with.
// (Debian's powerpc64le debug package ships no vDSO image, so ppc64el is missing.)
//
//   node tools/fuzz/corpus/make-corpus.mjs [workdir]      (needs curl, dpkg-deb, tar, readelf)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const work = process.argv[2] ?? '/tmp/vgetrandom-corpus';
const pool = 'http://deb.debian.org/debian/pool/main/l/linux';
const sources = [
  ['x86_64-6.12', 'linux-image-6.12.117+deb13-cloud-amd64-dbg_6.12.117-1_amd64.deb', 'vdso64.so'],
  ['i386-6.12', 'linux-image-6.12.117+deb13-cloud-amd64-dbg_6.12.117-1_amd64.deb', 'vdso32.so'],
  ['x86_64-6.1', 'linux-image-6.1.0-50-cloud-amd64-dbg_6.1.176-1_amd64.deb', 'vdso64.so'],
  ['i386-6.1', 'linux-image-6.1.0-50-cloud-amd64-dbg_6.1.176-1_amd64.deb', 'vdso32.so'],
  ['aarch64-6.12', 'linux-image-6.12.117+deb13-cloud-arm64-dbg_6.12.117-1_arm64.deb', 'vdso.so'],
  ['arm-compat-6.12', 'linux-image-6.12.117+deb13-cloud-arm64-dbg_6.12.117-1_arm64.deb', 'vdso32.so'],
  ['armhf-6.12', 'linux-image-6.12.117+deb13-armmp-dbg_6.12.117-1_armhf.deb', 'vdso.so'],
  ['riscv64-6.12', 'linux-image-6.12.117+deb13-riscv64-dbg_6.12.117-1_riscv64.deb', 'vdso.so'],
  ['s390x-6.12', 'linux-image-6.12.107+deb13-s390x-dbg_6.12.107-1_s390x.deb', 'vdso64.so'],
  ['loongarch64-7.2', 'linux-image-7.2.13+deb14-loong64-dbg_7.2.13-1_loong64.deb', 'vdso.so'],
];

const run = (command, args, options = {}) => execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...options });
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function extract(deb) {
  const directory = join(work, deb.replace(/\.deb$/, ''));
  if (existsSync(directory)) return directory;
  const file = join(work, deb);
  mkdirSync(work, { recursive: true });
  run('curl', ['-sSf', '-o', file, `${pool}/${deb}`]);
  mkdirSync(directory, { recursive: true });
  run('sh', ['-c', `dpkg-deb --fsys-tarfile "${file}" | tar -x -C "${directory}" --wildcards '*/vdso/*.so'`]);
  rmSync(file);
  return directory;
}

function find(directory, name) {
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === name && entry.parentPath.endsWith('/vdso')) return join(entry.parentPath, entry.name);
  }
  throw new Error(`${name} not found under ${directory}`);
}

/** readelf's view: header fields, the PT_LOAD extent, hash tables, and every dynamic symbol. */
function describe(path) {
  const header = run('readelf', ['-hW', path]);
  const field = (label) => new RegExp(`^\\s*${label}:\\s*(.+)$`, 'm').exec(header)[1].trim();
  let extent = 0;
  for (const line of run('readelf', ['-lW', path]).split('\n')) {
    const match = /^\s*LOAD\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/.exec(line);
    if (match) extent = Math.max(extent, Number.parseInt(match[1], 16) + Number.parseInt(match[2], 16));
  }
  const dynamic = run('readelf', ['-dW', path]);
  const symbols = [];
  for (const line of run('readelf', ['--dyn-syms', '-W', path]).split('\n')) {
    const match = /^\s*(\d+):\s+([0-9a-f]+)\s+(\d+)\s+(\w+)\s+(\w+)\s+(\w+)\s+(\w+)\s+(\S+)?$/.exec(line);
    if (!match || match[8] === undefined) continue;
    const [, index, value, size, type, bind, , ndx, full] = match;
    const versionAt = full.indexOf('@');
    symbols.push({
      index: Number(index),
      name: versionAt < 0 ? full : full.slice(0, versionAt),
      version: versionAt < 0 ? null : full.slice(versionAt).replace(/^@@?/, ''),
      hidden: versionAt >= 0 && !full.startsWith('@@', versionAt),
      value: `0x${value.replace(/^0+(?=.)/, '')}`,
      size: Number(size),
      type,
      bind,
      ndx,
    });
  }
  return {
    class: field('Class'),
    data: field('Data'),
    machine: field('Machine'),
    extent,
    gnuHash: /\(GNU_HASH\)/.test(dynamic),
    sysvHash: /\(HASH\)/.test(dynamic),
    symbolCount: Number(/contains (\d+) entries/.exec(run('readelf', ['--dyn-syms', '-W', path]))[1]),
    symbols,
  };
}

const readelfVersion = run('readelf', ['--version']).split('\n')[0];
const manifest = { generatedBy: `tools/fuzz/corpus/make-corpus.mjs with ${readelfVersion}`, images: [] };
for (const [name, deb, file] of sources) {
  const path = find(extract(deb), file);
  const original = readFileSync(path);
  const answer = describe(path);
  const image = original.subarray(0, answer.extent);
  writeFileSync(join(here, `${name}.so`), image);
  manifest.images.push({
    file: `${name}.so`,
    package: `${pool}/${deb}`,
    pathInPackage: path.slice(path.indexOf('/usr/')),
    originalSha256: sha256(original),
    originalLength: original.length,
    imageSha256: sha256(image),
    ...answer,
  });
  process.stderr.write(`${name}: ${answer.machine}, ${answer.extent} bytes, ${answer.symbols.length} symbols\n`);
}
writeFileSync(join(here, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
