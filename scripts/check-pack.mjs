#!/usr/bin/env node
// `prepack` of every published package: refuse to pack a tarball that would not work. Every
// file the manifest points at (each export target and its types, main, types, bin, man) and
// every file named on the command line must exist, and every JavaScript export must have
// types. Run in the package's directory; exits 1 with the list of what is missing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const directory = process.cwd();
const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
const problems = [];
const need = (file, why) => {
  if (!existsSync(join(directory, file))) problems.push(`${file} (${why}) does not exist`);
};

/** Every target under an export condition, as [condition path, file]. */
function targets(value, path) {
  if (typeof value === 'string') return [[path, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => targets(inner, [...path, key]));
}

for (const [subpath, conditions] of Object.entries(manifest.exports ?? {})) {
  const found = targets(conditions, [subpath]);
  for (const [path, file] of found) need(file, `export ${path.join(' > ')}`);
  const javascript = found.some(([, file]) => /\.[cm]?js$/.test(file));
  const typed = found.some(([path, file]) => path.includes('types') || /\.d\.[cm]?ts$/.test(file));
  if (javascript && !typed && subpath !== './package.json') problems.push(`export '${subpath}' has no "types" condition`);
}
for (const field of ['main', 'types']) if (typeof manifest[field] === 'string') need(manifest[field], `"${field}"`);
const bins = typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {});
for (const [name, file] of Object.entries(bins)) need(file, `bin ${name}`);
for (const file of [manifest.man ?? []].flat()) need(file, 'man');
for (const file of process.argv.slice(2)) need(file, 'needed at run time');

if (problems.length > 0) {
  process.stderr.write(`refusing to pack ${manifest.name}: ${problems.length} file${problems.length === 1 ? '' : 's'} missing\n${problems.map((line) => `  - ${line}\n`).join('')}Run \`npm run build\` at the repository root first.\n`);
  process.exit(1);
}
