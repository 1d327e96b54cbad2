// Which C library to open, from what a process can see of itself: glibc and musl (Alpine)
// maps and program interpreters. A musl host cannot run here, so this is where musl is tested.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { libcFromInterpreter, libcFromMaps, programInterpreter } from './libc.js';

const glibcMaps = `55d0c0000000-55d0c0001000 r--p 00000000 fe:01 123 /usr/bin/node
7f1c2a000000-7f1c2a028000 r--p 00000000 fe:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6
7f1c2a200000-7f1c2a202000 rw-p 00000000 00:00 0
7ffd1f1fe000-7ffd1f200000 r-xp 00000000 00:00 0 [vdso]`;
const muslMaps = `55d0c0000000-55d0c0001000 r--p 00000000 fe:01 123 /usr/bin/node
7f1c2a000000-7f1c2a014000 r--p 00000000 fe:01 789 /lib/ld-musl-x86_64.so.1
7f1c2a100000-7f1c2a120000 r--p 00000000 fe:01 790 /usr/lib/libstdc++.so.6.0.32`;
const muslAarch64 = '7f1c2a000000-7f1c2a014000 r-xp 00000000 fe:01 789 /lib/ld-musl-aarch64.so.1';

describe('finding the C library', () => {
  it.each([
    ['glibc', glibcMaps, { kind: 'glibc', path: '/usr/lib/x86_64-linux-gnu/libc.so.6' }],
    ['musl on x86_64 (Alpine)', muslMaps, { kind: 'musl', path: '/lib/ld-musl-x86_64.so.1' }],
    ['musl on aarch64', muslAarch64, { kind: 'musl', path: '/lib/ld-musl-aarch64.so.1' }],
  ])('from /proc/self/maps: %s', (_name, maps, expected) => {
    expect(libcFromMaps(maps)).toEqual({ ...expected, source: 'maps' });
  });

  it('nothing when no C library is mapped (a static binary)', () => {
    expect(libcFromMaps('55d0c0000000-55d0c0001000 r--p 00000000 fe:01 123 /usr/bin/node')).toBeUndefined();
  });

  it.each([
    ['/lib/ld-musl-x86_64.so.1', { kind: 'musl', path: '/lib/ld-musl-x86_64.so.1' }],
    ['/lib64/ld-linux-x86-64.so.2', { kind: 'glibc', path: 'libc.so.6' }],
    ['/lib/ld-linux-aarch64.so.1', { kind: 'glibc', path: 'libc.so.6' }],
    ['/lib/ld64.so.1', { kind: 'glibc', path: 'libc.so.6' }],
  ])('from the program interpreter %s', (interpreter, expected) => {
    expect(libcFromInterpreter(interpreter)).toEqual({ ...expected, source: 'interpreter' });
  });

  it.skipIf(process.platform !== 'linux')('reads PT_INTERP from the node binary itself, and nothing from a non-ELF file (needs Linux)', () => {
    const head = new Uint8Array(readFileSync(process.execPath).subarray(0, 65_536));
    expect(programInterpreter(head)).toMatch(/ld-(linux|musl)/);
    expect(programInterpreter(new TextEncoder().encode('#!/bin/sh\necho not an ELF file\n'.repeat(4)))).toBeUndefined();
  });
});
