// What every thread of a realm scenario does: imports the package (as a user's code would,
// from wherever it runs), draws `outputs` 16-byte outputs, and reports its backend, its
// state and the outputs. Used as a worker script, a piscina/tinypool task, and a vitest file.
const entry = new URL('../../dist/index.js', import.meta.url).href;

export async function draw(outputs) {
  const { getrandom, backendInfo } = await import(entry);
  const bytes = new Uint8Array(outputs * 16);
  for (let at = 0; at < bytes.length; at += 16) getrandom(bytes.subarray(at, at + 16));
  const info = backendInfo();
  return { backend: info.backend, reasons: info.fallbacks.map((fallback) => fallback.reason), state: info.state?.address.toString() ?? null, pool: info.state?.pool ?? null, outputs: bytes };
}

/** Counts 16-byte records seen before across chunks (an open-addressing table of record numbers, in typed arrays). */
export function countDuplicates(chunks) {
  const starts = [];
  let total = 0;
  for (const chunk of chunks) {
    starts.push(total);
    total += chunk.length / 16;
  }
  const chunkOf = new Int32Array(total);
  chunks.forEach((chunk, index) => chunkOf.fill(index, starts[index], starts[index] + chunk.length / 16));
  let size = 1;
  while (size < total * 2) size *= 2;
  const table = new Int32Array(size);
  let duplicates = 0;
  for (let record = 0; record < total; record += 1) {
    const chunk = chunks[chunkOf[record]];
    const at = (record - starts[chunkOf[record]]) * 16;
    const word = (chunk[at] | (chunk[at + 1] << 8) | (chunk[at + 2] << 16) | (chunk[at + 3] << 24)) >>> 0;
    for (let slot = word & (size - 1); ; slot = (slot + 1) & (size - 1)) {
      if (table[slot] === 0) {
        table[slot] = record + 1;
        break;
      }
      const other = table[slot] - 1;
      const otherChunk = chunks[chunkOf[other]];
      const to = (other - starts[chunkOf[other]]) * 16;
      let same = true;
      for (let byte = 0; byte < 16 && same; byte += 1) same = otherChunk[to + byte] === chunk[at + byte];
      if (same) {
        duplicates += 1;
        break;
      }
    }
  }
  return { outputs: total, duplicates };
}
