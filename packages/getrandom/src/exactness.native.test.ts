// node:crypto, exactly, on every backend this host has: the parity cases, who owns the memory
// a result lives in, the functions' `name` and `length`, and the polyfill's methods as Node
// has them (on Crypto.prototype, enumerable, checking `this` and their arguments).
import crypto from 'node:crypto';
import { discoverParams } from '@vgetrandom/params';
import { afterAll, describe, expect, it } from 'vitest';
import { type RandomApi, createApi } from './api.js';
import { createEngine } from './engine.js';
import { cases, mine, node, outcome } from './testing/parity-cases.js';

const linux = process.platform === 'linux';
const vdsoHere = linux && discoverParams().supported;
const backends = [
  ...(vdsoHere ? (['vdso'] as const) : []),
  ...(linux ? (['syscall'] as const) : []),
  'crypto' as const,
];
const apis = new Map<string, RandomApi>(backends.map((backend) => [backend, createApi(createEngine({ backend }))]));
afterAll(() => {
  for (const api of apis.values()) api.dispose();
});

/** Where a result's bytes live: its offset and the size of the memory behind it. */
function memory(buffer: Buffer) {
  return { byteOffset: buffer.byteOffset, behind: buffer.buffer.byteLength, length: buffer.length };
}

const SIZES = [0, 1, 16, 32, 100, 4095, 4096, 8192, 70_000];

describe.each(backends)('on the %s backend', (backend) => {
  const api = apis.get(backend)!;
  // Host-independent evidence that the backend is the one named (not a silent fallback).
  it('is that backend', () => {
    api.getrandom(new Uint8Array(4));
    expect(api.backendInfo().backend).toBe(backend);
  });

  it.each(cases)('%s: the same outcome as node:crypto', (_label, call) => {
    expect(outcome(() => call(mine(api)))).toEqual(outcome(() => call(node)));
  });

  it('randomBytes(): every result owns its memory, as node:crypto\'s does', () => {
    for (const size of SIZES) {
      const theirs = memory(crypto.randomBytes(size));
      expect(memory(api.randomBytes(size)), `randomBytes(${size})`).toEqual(theirs);
    }
    // Two small results never share an ArrayBuffer (Node's 8 KiB pool would put them in one).
    const [first, second] = [api.randomBytes(16), api.randomBytes(16)];
    expect(first.buffer).not.toBe(second.buffer);
    // So its .buffer is exactly the key: Web Crypto imports it, and a transfer moves 32 bytes.
    const key = api.randomBytes(32);
    expect(key.buffer.byteLength).toBe(32);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(key.buffer, [key.buffer]);
    expect(key.byteLength).toBe(0);
    port1.close();
    port2.close();
  });

  it('randomBytes(size, callback): every result owns its memory too', async () => {
    for (const size of SIZES) {
      const [theirs, ours] = await Promise.all([
        new Promise<Buffer>((resolve, reject) => crypto.randomBytes(size, (error, value) => (error ? reject(error) : resolve(value)))),
        new Promise<Buffer>((resolve, reject) => api.randomBytes(size, (error, value) => (error ? reject(error) : resolve(value)))),
      ]);
      expect(memory(ours), `randomBytes(${size}, cb)`).toEqual(memory(theirs));
    }
  });

  it('every function that hands back memory: a fresh Array/string, or the caller\'s own buffer', () => {
    const mineOnly = api.randomInts(0, 10, 8);
    expect(Array.isArray(mineOnly)).toBe(true);
    expect(api.randomInts(0, 10, 8)).not.toBe(mineOnly);
    const buffer = new Uint8Array(8);
    expect(api.randomFillSync(buffer)).toBe(buffer);
    expect(api.getRandomValues(buffer)).toBe(buffer);
    expect(Array.isArray(api.randomUUIDs(3))).toBe(true);
  });

  it('has node:crypto\'s function names and lengths', async () => {
    const theirs = { ...crypto };
    for (const name of ['randomBytes', 'randomFill', 'randomFillSync', 'randomInt', 'randomUUID', 'getRandomValues'] as const) {
      const fn = api[name] as (...args: unknown[]) => unknown;
      expect({ name: fn.name, length: fn.length }, name).toEqual({ name: theirs[name].name, length: theirs[name].length });
    }
    // And the stack of a thrown error names the function the user called.
    const stack = (() => {
      try {
        api.randomBytes(-1);
      } catch (error) {
        return (error as Error).stack ?? '';
      }
      return '';
    })();
    expect(stack.split('\n').slice(1, 4).join('\n')).toMatch(/at (\w+\.)?randomBytes \(/);
  });
});

describe('the package\'s own exports', () => {
  it('carry node:crypto\'s names and lengths, whatever the bundler renamed them to', async () => {
    // The built file is what users load; the bundler had renamed randomBytes to randomBytes2.
    const built = (await import(new URL('../dist/index.js', import.meta.url).href)) as Record<string, (...args: unknown[]) => unknown>;
    for (const name of ['randomBytes', 'randomFill', 'randomFillSync', 'randomInt', 'randomUUID', 'getRandomValues'] as const) {
      expect({ name: built[name]!.name, length: built[name]!.length }, name).toEqual({ name: crypto[name].name, length: crypto[name].length });
    }
    // Stack frames show the function's own name, not the `name` property: a bad call names it.
    const bad: Array<[string, () => unknown]> = [
      ['randomBytes', () => built['randomBytes']!(-1)],
      ['randomFill', () => built['randomFill']!(1)],
      ['randomFillSync', () => built['randomFillSync']!(1)],
      ['randomInt', () => built['randomInt']!('x')],
      ['randomUUID', () => built['randomUUID']!(1)],
    ];
    for (const [name, call] of bad) {
      let stack = '';
      try {
        call();
      } catch (error) {
        stack = (error as Error).stack ?? '';
      }
      expect(stack.split('\n').slice(1, 4).join('\n'), name).toMatch(new RegExp(`at (\\w+\\.)?${name} \\(`));
    }
  });
});

describe('the polyfill, against the Crypto it replaces', () => {
  type Probe = [string, () => unknown];
  const u8 = () => new Uint8Array(4);
  const proto = () => Object.getPrototypeOf(globalThis.crypto) as Record<string, (...args: unknown[]) => unknown>;
  const probes: Probe[] = [
    ['crypto.getRandomValues(u8)', () => globalThis.crypto.getRandomValues(u8())],
    ['crypto.randomUUID()', () => globalThis.crypto.randomUUID()],
    ['a detached getRandomValues(u8)', () => {
      const { getRandomValues } = globalThis.crypto;
      return getRandomValues(u8());
    }],
    ['a detached randomUUID()', () => {
      const { randomUUID } = globalThis.crypto;
      return randomUUID();
    }],
    ['getRandomValues.call({}, u8)', () => proto().getRandomValues!.call({}, u8())],
    ['getRandomValues.call(Object.create(Crypto.prototype), u8)', () => proto().getRandomValues!.call(Object.create(proto()), u8())],
    ['getRandomValues.call({}) (receiver before arguments)', () => proto().getRandomValues!.call({})],
    ['randomUUID.call(null)', () => proto().randomUUID!.call(null)],
    ['crypto.getRandomValues()', () => (globalThis.crypto.getRandomValues as () => unknown)()],
    ['crypto.getRandomValues(undefined)', () => globalThis.crypto.getRandomValues(undefined as never)],
    ['crypto.getRandomValues(Float32Array)', () => globalThis.crypto.getRandomValues(new Float32Array(2) as never)],
    ['crypto.getRandomValues(65537 bytes)', () => globalThis.crypto.getRandomValues(new Uint8Array(65_537))],
    ['crypto.randomUUID(1, 2) (extra arguments ignored)', () => (globalThis.crypto.randomUUID as (...args: unknown[]) => unknown)(1, 2)],
  ];
  const message = (action: () => unknown) => {
    try {
      action();
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
  const where = () => {
    const prototype = proto();
    return {
      own: Object.getOwnPropertyNames(globalThis.crypto),
      enumerated: (() => {
        const keys: string[] = [];
        for (const key in globalThis.crypto) keys.push(key);
        return keys;
      })(),
      methods: ['getRandomValues', 'randomUUID'].map((name) => {
        const { value, ...attributes } = Object.getOwnPropertyDescriptor(prototype, name)!;
        return { name, attributes, fnName: (value as () => unknown).name, length: (value as () => unknown).length };
      }),
    };
  };

  it('installs where Node keeps them and behaves as Node does, then restores Node\'s', async () => {
    const before = { outcomes: probes.map(([, action]) => outcome(action)), messages: probes.map(([, action]) => message(action)), where: where() };
    const originals = { getRandomValues: proto().getRandomValues, randomUUID: proto().randomUUID };
    const polyfill = await import('./polyfill.js');
    try {
      expect(polyfill.installed()).toBe(true);
      expect(proto().getRandomValues).not.toBe(originals.getRandomValues);
      probes.forEach(([label, action], index) => {
        expect(outcome(action), label).toEqual(before.outcomes[index]);
        expect(message(action), label).toBe(before.messages[index]);
      });
      expect(where()).toEqual(before.where);
    } finally {
      polyfill.restore();
    }
    expect(polyfill.installed()).toBe(false);
    expect(proto().getRandomValues).toBe(originals.getRandomValues);
    expect(proto().randomUUID).toBe(originals.randomUUID);
    expect(where()).toEqual(before.where);
  });
});
