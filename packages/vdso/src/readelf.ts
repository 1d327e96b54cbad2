// The readelf differential: reads what `readelf -W --dyn-syms` prints (GNU binutils) and
// compares a parsed image with it, symbol by symbol. Used by npm test over every shared
// object of the machine and by the ELF fuzz target on untouched images. Pure: the caller
// runs readelf and hands over its text.
import type { VdsoImage, VdsoSymbol } from './parse.js';

/** One row of readelf's dynamic symbol table, as printed. */
export interface ReadelfSymbol {
  readonly index: number;
  readonly value: bigint;
  readonly size: bigint;
  /** Lowercase, as VdsoSymbol.type (`type N` for readelf's `<OS specific>: N` and the like). */
  readonly type: string;
  readonly bind: string;
  /** Absent in listings recorded without it (it is then not compared). */
  readonly visibility?: string;
  /** `UND`, `ABS`, `COM` or the section number, as printed (for readelf's "bad section index[ N]", N). */
  readonly section: string;
  readonly name: string;
  readonly version: string | undefined;
  readonly hidden: boolean;
}

const SPECIAL_KIND = /^<(?:OS specific|processor specific|unknown)>: (\d+)$/;

function kind(text: string, prefix: 'type' | 'bind'): string {
  const special = SPECIAL_KIND.exec(text);
  return special ? `${prefix} ${special[1]}` : text.toLowerCase();
}

// "   151: 00000000001d4850     8 OBJECT  GLOBAL DEFAULT   33 stdin@@GLIBC_2.2.5"; a special
// type or binding is printed as "<OS specific>: 11", with spaces, hence the lazy groups.
const ROW = /^\s*(\d+): ([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\S+|<[^>]+>: \d+)\s+(\S+|<[^>]+>: \d+)\s+(DEFAULT|INTERNAL|HIDDEN|PROTECTED)(?:\s+\[[^\]]*\])?\s+(bad section index\[\s*\d+\]|\S+) ?(.*)$/;

/**
 * The dynamic symbol tables in readelf's output, by file (`File: path` lines separate files
 * when readelf was given several; a single file's table is under the key '').
 */
export function parseReadelfDynSyms(text: string): Map<string, ReadelfSymbol[]> {
  const tables = new Map<string, ReadelfSymbol[]>();
  let file = '';
  let rows: ReadelfSymbol[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('File: ')) {
      file = line.slice(6);
      rows = undefined;
      continue;
    }
    if (line.startsWith("Symbol table '.dynsym'")) {
      rows = [];
      tables.set(file, rows);
      continue;
    }
    if (!rows) continue;
    const match = ROW.exec(line);
    if (!match) continue;
    const [, index, value, size, type, bind, visibility, section, printed] = match as unknown as string[];
    // readelf appends " (N)" to an undefined symbol's version: the Verneed index.
    const withoutNeed = printed!.replace(/ \(\d+\)$/, '');
    const at = withoutNeed.indexOf('@');
    const hidden = at >= 0 && withoutNeed[at + 1] !== '@';
    rows.push({
      index: Number(index),
      value: BigInt(`0x${value}`),
      size: BigInt(size!),
      type: kind(type!, 'type'),
      bind: kind(bind!, 'bind'),
      visibility: visibility!.toLowerCase(),
      // An index past the section headers readelf has is printed "bad section index[ 48]".
      section: section!.startsWith('bad') ? /(\d+)\]$/.exec(section!)![1]! : section!,
      name: at < 0 ? withoutNeed : withoutNeed.slice(0, at),
      version: at < 0 ? undefined : withoutNeed.slice(at + (hidden ? 1 : 2)),
      hidden,
    });
  }
  return tables;
}

function sectionText(symbol: VdsoSymbol): string {
  if (symbol.section === 0xfff1) return 'ABS';
  if (symbol.section === 0xfff2) return 'COM';
  return String(symbol.section);
}

/**
 * How readelf shows a symbol's version: not at all for a version-definition symbol (one named
 * by the very string its version is named by, as `GLIBC_2.2.5` in libc.so.6).
 */
function shownVersion(symbol: VdsoSymbol): string | undefined {
  return symbol.version === symbol.name ? undefined : symbol.version;
}

/**
 * The differences between `image` and readelf's rows for it: every defined row must be listed
 * by symbols() at the same index with the same name, version, value, size, type, binding,
 * visibility and section, symbols() must list nothing else, and the linker-rule lookup() must
 * find every row the rule accepts, by name and version. At most `limit` differences.
 */
export function compareWithReadelf(image: VdsoImage, rows: readonly ReadelfSymbol[], limit = 20): string[] {
  const differences: string[] = [];
  const note = (text: string) => {
    if (differences.length < limit) differences.push(text);
  };
  const ours = new Map(image.symbols().map((symbol) => [symbol.index, symbol]));
  const defined = rows.filter((row) => row.section !== 'UND');
  for (const row of defined) {
    const symbol = ours.get(row.index);
    if (!symbol) {
      note(`symbol ${row.index} ${row.name}: readelf lists it, symbols() does not`);
      continue;
    }
    ours.delete(row.index);
    const mine = {
      name: symbol.name,
      version: shownVersion(symbol),
      hidden: symbol.version === undefined || symbol.version === symbol.name ? false : symbol.hidden,
      value: symbol.value,
      size: symbol.size,
      // readelf names the GNU extensions only under the OS/ABIs that define them (EI_OSABI 3 is
      // GNU, 9 FreeBSD); elsewhere it prints the number. The dynamic linker takes them anyway.
      type: symbol.type === 'ifunc' && image.info.osabi !== 3 && image.info.osabi !== 9 ? 'type 10' : symbol.type,
      bind: symbol.bind === 'unique' && image.info.osabi !== 3 ? 'bind 10' : symbol.bind,
      visibility: symbol.visibility,
      section: sectionText(symbol),
    };
    // readelf prints a nameless section symbol under its section's name, from the section headers.
    const theirs = { name: symbol.type === 'section' && symbol.name === '' ? '' : row.name, version: row.version, hidden: row.hidden, value: row.value, size: row.size, type: row.type, bind: row.bind, visibility: row.visibility, section: row.section };
    for (const field of Object.keys(theirs) as Array<keyof typeof theirs>) {
      if (theirs[field] !== undefined || field === 'version') if (mine[field] !== theirs[field]) note(`symbol ${row.index} ${row.name}: ${field} is ${String(mine[field])} here, ${String(theirs[field])} in readelf`);
    }
    if (linkerWouldTake(symbol)) {
      const found = image.lookup(symbol.name, symbol.version, { rule: 'linker' });
      if (!found || found.name !== symbol.name || found.value !== symbol.value || found.version !== symbol.version) {
        note(`symbol ${row.index} ${symbol.name}${symbol.version ? `@${symbol.version}` : ''}: lookup() under the linker rule gives ${found ? `${found.name}@${found.version} = 0x${found.value.toString(16)}` : 'nothing'}`);
      }
    }
  }
  for (const symbol of ours.values()) note(`symbol ${symbol.index} ${symbol.name}: symbols() lists it, readelf does not list it as defined`);
  return differences;
}

/** What the linker rule can find by name and version (the rule's own tests, not the lookup). */
function linkerWouldTake(symbol: VdsoSymbol): boolean {
  if (symbol.value === 0n && symbol.section !== 0xfff1 && symbol.type !== 'tls') return false;
  if (!['notype', 'object', 'func', 'common', 'tls', 'ifunc'].includes(symbol.type)) return false;
  if (symbol.visibility === 'hidden' || symbol.visibility === 'internal') return false;
  return symbol.bind === 'global' || symbol.bind === 'weak' || symbol.bind === 'unique';
}
