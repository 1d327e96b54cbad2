// Which C library this process runs on, so that koffi opens that one: glibc's libc.so.6, or
// musl's single libc-and-loader file (ld-musl-<arch>.so.1, as on Alpine). Read from the
// libraries the process has mapped (/proc/self/maps), else from the program interpreter
// named in the node binary's PT_INTERP, else glibc's name.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** The C library to open, and how it was found. */
export interface LibcChoice {
  readonly kind: 'glibc' | 'musl' | 'unknown';
  /** What to pass to dlopen: a path, or a soname. */
  readonly path: string;
  /** `'maps'`, `'interpreter'` or `'default'`. */
  readonly source: 'maps' | 'interpreter' | 'default';
}

const GLIBC = /\/libc\.so\.6$/;
const MUSL = /\/(ld-musl-[\w-]+\.so\.1|libc\.musl-[\w-]+\.so\.1)$/;

/** The C library among the files mapped in `maps` (the text of /proc/self/maps), if one is. */
export function libcFromMaps(maps: string): LibcChoice | undefined {
  for (const line of maps.split('\n')) {
    const path = line.slice(line.indexOf('/')).trim();
    if (!line.includes('/')) continue;
    if (MUSL.test(path)) return { kind: 'musl', path, source: 'maps' };
    if (GLIBC.test(path)) return { kind: 'glibc', path, source: 'maps' };
  }
  return undefined;
}

/** The C library a program interpreter implies (`/lib/ld-musl-x86_64.so.1`, `/lib64/ld-linux-x86-64.so.2`). */
export function libcFromInterpreter(interpreter: string): LibcChoice | undefined {
  if (/ld-musl-[\w-]+\.so\.1$/.test(interpreter)) return { kind: 'musl', path: interpreter, source: 'interpreter' };
  if (/\/ld-linux[\w.-]*\.so\.\d$|\/ld\d*\.so\.\d$/.test(interpreter)) return { kind: 'glibc', path: 'libc.so.6', source: 'interpreter' };
  return undefined;
}

/** PT_INTERP of a 64- or 32-bit little- or big-endian ELF file's first 64 KiB, if it has one. */
export function programInterpreter(bytes: Uint8Array): string | undefined {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return undefined;
  const wide = bytes[4] === 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = bytes[5] === 1;
  const word = (at: number) => (wide ? Number(view.getBigUint64(at, little)) : view.getUint32(at, little));
  const phoff = word(wide ? 0x20 : 0x1c);
  const phentsize = view.getUint16(wide ? 0x36 : 0x2a, little);
  const phnum = view.getUint16(wide ? 0x38 : 0x2c, little);
  for (let index = 0; index < phnum; index += 1) {
    const entry = phoff + index * phentsize;
    if (entry + (wide ? 56 : 32) > bytes.length) return undefined;
    if (view.getUint32(entry, little) !== 3) continue; // PT_INTERP
    const offset = word(entry + (wide ? 0x08 : 0x04));
    const size = word(entry + (wide ? 0x20 : 0x10));
    if (offset + size > bytes.length || size === 0) return undefined;
    return new TextDecoder().decode(bytes.subarray(offset, offset + size - 1));
  }
  return undefined;
}

/** The C library of this process. Never throws. */
export function detectLibc(): LibcChoice {
  try {
    const fromMaps = libcFromMaps(readFileSync('/proc/self/maps', 'latin1'));
    if (fromMaps) return fromMaps;
  } catch {
    // /proc may be hidden; the interpreter still tells.
  }
  try {
    const head = new Uint8Array(65_536);
    const file = openSync(process.execPath, 'r');
    let length = 0;
    try {
      length = readSync(file, head, 0, head.length, 0);
    } finally {
      closeSync(file);
    }
    const interpreter = programInterpreter(head.subarray(0, length));
    const fromInterpreter = interpreter === undefined ? undefined : libcFromInterpreter(interpreter);
    if (fromInterpreter) return fromInterpreter;
  } catch {
    // An unreadable binary: fall back to glibc's soname.
  }
  return { kind: 'unknown', path: 'libc.so.6', source: 'default' };
}
