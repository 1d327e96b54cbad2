import crypto from 'node:crypto';
import { backendInfo, getrandom, randomBytes, randomInt, randomUUID } from '@vgetrandom/getrandom';
import { discoverParams } from '@vgetrandom/params';
import { toAddress, addressOf } from '@vgetrandom/sys';
import { time } from './dist/measure-exp.js';
const budget = { timeMs: 400, warmupMs: 100 };
const d = discoverParams();
getrandom(new Uint8Array(1));
const info = backendInfo();
const call = d.vgetrandom.call, state = toAddress(info.state.address), size = d.params.sizeOfOpaqueState;
const buf = new Uint8Array(16);
const scratch = new Uint8Array(new ArrayBuffer(128));
const sAddr = addressOf(scratch);
const rows = {
  raw: () => call(buf, 16, 0, state, size),
  rawAddr: () => call(sAddr, 16, 0, state, size),
  noop: () => call(buf, 0, 0, state, size),
  allocUnsafe: () => Buffer.allocUnsafe(16),
  newU8: () => new Uint8Array(16),
  randomBytes: () => randomBytes(16),
  allocPlusScratch: () => { const b = Buffer.allocUnsafe(16); call(sAddr, 16, 0, state, size); b.set(scratch.subarray(0,16)); scratch.fill(0,0,16); return b; },
  allocPlusRawBuf: () => { const b = Buffer.allocUnsafe(16); call(b, 16, 0, state, size); return b; },
  freshU8: () => getrandom(new Uint8Array(16)),
  randomInt: () => randomInt(1000),
  randomUUID: () => randomUUID(),
  cryptoUUID: () => crypto.randomUUID(),
};
const only = process.argv.slice(2);
for (const [name, fn] of Object.entries(rows)) if (!only.length || only.includes(name)) console.log(name.padEnd(18), time(fn, budget).ns.toFixed(1));
const HEX_HIGH = new Uint8Array(256), HEX_LOW = new Uint8Array(256);
for (let b = 0; b < 256; b++) { const h = b.toString(16).padStart(2, '0'); HEX_HIGH[b] = h.charCodeAt(0); HEX_LOW[b] = h.charCodeAt(1); }
const out = Buffer.alloc(36);
function writeUuid(bytes, at, o, to) { let c = to; for (let i = 0; i < 16; i++) { let b = bytes[at + i]; if (i === 6) b = (b & 15) | 64; else if (i === 8) b = (b & 63) | 128; o[c++] = HEX_HIGH[b]; o[c++] = HEX_LOW[b]; if (i === 3 || i === 5 || i === 7 || i === 9) o[c++] = 45; } }
const latin1Slice = Buffer.prototype.latin1Slice;
const HEX = Array.from({length:256},(_, b)=>b.toString(16).padStart(2,'0'));
const more = {
  writeUuid: () => writeUuid(scratch, 0, out, 0),
  latin1: () => latin1Slice.call(out, 0, 36),
  asciiSlice: () => out.asciiSlice(0, 36),
  toStringLatin1: () => out.toString('latin1', 0, 36),
  concat: () => { const s = scratch; return HEX[s[0]]+HEX[s[1]]+HEX[s[2]]+HEX[s[3]]+'-'+HEX[s[4]]+HEX[s[5]]+'-'+HEX[s[6]&15|64]+HEX[s[7]]+'-'+HEX[s[8]&63|128]+HEX[s[9]]+'-'+HEX[s[10]]+HEX[s[11]]+HEX[s[12]]+HEX[s[13]]+HEX[s[14]]+HEX[s[15]]; },
  fillScratch0: () => scratch.fill(0, 0, 16),
  outFill: () => out.fill(0),
  uuidAll: () => { call(sAddr, 16, 0, state, size); writeUuid(scratch, 0, out, 0); scratch.fill(0,0,16); const s = latin1Slice.call(out, 0, 36); out.fill(0); return s; },
};
for (const [name, fn] of Object.entries(more)) if (!only.length || only.includes(name)) console.log(name.padEnd(18), time(fn, budget).ns.toFixed(1));
const s32 = new Uint32Array(scratch.buffer, 0, 4);
const outAB = new ArrayBuffer(40); const out2 = Buffer.from(outAB, 0, 36); const out32 = new Uint32Array(outAB);
function writeUnrolled(s, o) {
  const H = HEX_HIGH, L = HEX_LOW; let b;
  b = s[0]; o[0] = H[b]; o[1] = L[b]; b = s[1]; o[2] = H[b]; o[3] = L[b]; b = s[2]; o[4] = H[b]; o[5] = L[b]; b = s[3]; o[6] = H[b]; o[7] = L[b]; o[8] = 45;
  b = s[4]; o[9] = H[b]; o[10] = L[b]; b = s[5]; o[11] = H[b]; o[12] = L[b]; o[13] = 45;
  b = (s[6] & 15) | 64; o[14] = H[b]; o[15] = L[b]; b = s[7]; o[16] = H[b]; o[17] = L[b]; o[18] = 45;
  b = (s[8] & 63) | 128; o[19] = H[b]; o[20] = L[b]; b = s[9]; o[21] = H[b]; o[22] = L[b]; o[23] = 45;
  b = s[10]; o[24] = H[b]; o[25] = L[b]; b = s[11]; o[26] = H[b]; o[27] = L[b]; b = s[12]; o[28] = H[b]; o[29] = L[b];
  b = s[13]; o[30] = H[b]; o[31] = L[b]; b = s[14]; o[32] = H[b]; o[33] = L[b]; b = s[15]; o[34] = H[b]; o[35] = L[b];
}
const fcc = String.fromCharCode;
const more2 = {
  zero32: () => { s32[0] = 0; s32[1] = 0; s32[2] = 0; s32[3] = 0; },
  writeUnrolled: () => writeUnrolled(scratch, out2),
  fromCharCode: () => { const o = out2; return fcc(o[0],o[1],o[2],o[3],o[4],o[5],o[6],o[7],o[8],o[9],o[10],o[11],o[12],o[13],o[14],o[15],o[16],o[17],o[18],o[19],o[20],o[21],o[22],o[23],o[24],o[25],o[26],o[27],o[28],o[29],o[30],o[31],o[32],o[33],o[34],o[35]); },
  fromCharCodeApply: () => fcc.apply(null, out2),
  latin1b: () => latin1Slice.call(out2, 0, 36),
  uuidFast: () => { call(sAddr, 16, 0, state, size); writeUnrolled(scratch, out2); s32[0] = 0; s32[1] = 0; s32[2] = 0; s32[3] = 0; const s = latin1Slice.call(out2, 0, 36); for (let i = 0; i < 9; i++) out32[i] = 0; return s; },
  rawAddr: () => call(sAddr, 16, 0, state, size),
};
for (const [name, fn] of Object.entries(more2)) if (!only.length || only.includes(name)) console.log(name.padEnd(18), time(fn, budget).ns.toFixed(1));
