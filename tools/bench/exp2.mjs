import crypto from 'node:crypto';
import { backendInfo, getrandom, randomBytes, randomInt, randomInts, randomUUID, randomUUIDs } from '@vgetrandom/getrandom';
import { discoverParams } from '@vgetrandom/params';
import { toAddress, addressOf } from '@vgetrandom/sys';
import { time } from './dist/measure-exp.js';
const budget = { timeMs: 300, warmupMs: 60 };
const d = discoverParams();
getrandom(new Uint8Array(1));
const info = backendInfo();
const call = d.vgetrandom.call, state = toAddress(info.state.address), size = d.params.sizeOfOpaqueState;
const buf = new Uint8Array(16);
const reused = new Uint8Array(16);
const rows = {
  raw: () => call(buf, 16, 0, state, size),
  reused16: () => getrandom(reused),
  freshU8: () => getrandom(new Uint8Array(16)),
  randomBytes16: () => randomBytes(16),
  randomInt: () => randomInt(1000),
  randomUUID: () => randomUUID(),
  cryptoUUID: () => crypto.randomUUID(),
  randomUUIDs: () => randomUUIDs(1000),
  randomInts: () => randomInts(0, 1000, 1000),
  cryptoIntLoop: () => { let l = 0; for (let i = 0; i < 1000; i++) l = crypto.randomInt(1000); return l; },
};
const only = process.argv.slice(2);
const rounds = 3;
const res = {};
for (let r = 0; r < rounds; r++) for (const [name, fn] of Object.entries(rows)) if (!only.length || only.includes(name)) (res[name] ??= []).push(time(fn, budget).ns);
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(16), med(v).toFixed(1), (med(v) / med(res.raw ?? [1])).toFixed(2) + 'x raw');
