import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  AT_PAGESZ,
  AT_SYSINFO_EHDR,
  MADV_DONTNEED,
  MAP_ANONYMOUS,
  MAP_DROPPABLE,
  MAP_PRIVATE,
  MAP_TYPE,
  PROT_READ,
  PROT_WRITE,
  SysError,
  cacheLineSize,
  getauxval,
  getrandomSyscall,
  gettid,
  madvise,
  threadPresence,
  mmap,
  munmap,
  nameMapping,
  nativeAvailability,
  onlineCpus,
  pageSize,
  readMemory,
  readProcAuxv,
  toAddress,
} from './index.js';

const linux = process.platform === 'linux';

describe.skipIf(!linux)('sys on a Linux host (needs Linux)', () => {
  it('loads koffi and libc', () => {
    expect(nativeAvailability()).toEqual({ available: true });
  });

  it('getauxval agrees with /proc/self/auxv', () => {
    const auxv = readProcAuxv();
    expect(auxv).toBeDefined();
    expect(getauxval(AT_PAGESZ)).toBe(auxv!.get(AT_PAGESZ));
    expect(getauxval(AT_SYSINFO_EHDR)).toBe(auxv!.get(AT_SYSINFO_EHDR) ?? 0n);
    expect(getauxval(0xfff_fff)).toBe(0n);
  });

  it('pageSize() equals getconf PAGESIZE', () => {
    const fromGetconf = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());
    expect(pageSize()).toBe(fromGetconf);
  });

  it('reports a power-of-two cache line and at least one CPU', () => {
    const line = cacheLineSize();
    expect(line & (line - 1)).toBe(0);
    expect(line).toBeGreaterThanOrEqual(16);
    expect(onlineCpus()).toBeGreaterThanOrEqual(1);
  });

  it('maps, writes, reads back and unmaps private memory', () => {
    const size = pageSize();
    const address = mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    expect(address % BigInt(size)).toBe(0n);
    const memory = readMemory(address, size);
    memory.fill(0xa5);
    expect(readMemory(address, size).every((byte) => byte === 0xa5)).toBe(true);
    munmap(address, size);
  });

  it('turns a bad mmap into a SysError with code EINVAL, not a crash', () => {
    let caught: unknown;
    try {
      // MAP_TYPE with every bit set is not a mapping type.
      mmap(pageSize(), PROT_READ | PROT_WRITE, MAP_TYPE | MAP_ANONYMOUS);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SysError);
    expect(caught).toMatchObject({ code: 'EINVAL', errno: 22, call: 'mmap' });
  });

  it('rejects a zero or fractional length before calling libc', () => {
    expect(() => mmap(0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => munmap(toAddress(4096), 1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('madvise(MADV_DONTNEED) zeroes an anonymous private page', () => {
    const size = pageSize();
    const address = mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    readMemory(address, size).fill(7);
    madvise(address, size, MADV_DONTNEED);
    expect(readMemory(address, size).every((byte) => byte === 0)).toBe(true);
    munmap(address, size);
  });

  it('the getrandom syscall fills a buffer, and two calls differ', () => {
    const first = new Uint8Array(32);
    const second = new Uint8Array(32);
    expect(getrandomSyscall(first, first.length)).toBe(32);
    expect(getrandomSyscall(second, second.length)).toBe(32);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
  });

  it('the getrandom syscall rejects unknown flags with EINVAL', () => {
    expect(() => getrandomSyscall(new Uint8Array(8), 8, 0x80)).toThrow(
      expect.objectContaining({ code: 'EINVAL', call: 'getrandom' }),
    );
  });

  it('readMemory on the vDSO base starts with the ELF magic', (context) => {
    const base = getauxval(AT_SYSINFO_EHDR);
    if (base === 0n) context.skip('this process has no vDSO');
    expect([...readMemory(toAddress(base), 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
  });

  it('threadPresence: this thread is present; a tid of no thread of ours is gone; nonsense is unknown', async () => {
    expect(threadPresence(gettid())).toBe('present');
    // A worker's tid is present while it runs and gone once it has exited.
    const { Worker } = await import('node:worker_threads');
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const worker = new Worker(`import(${JSON.stringify(entry)}).then((sys) => { require('node:worker_threads').parentPort.postMessage(sys.gettid()); setTimeout(() => {}, 200); })`, { eval: true });
    const tid = await new Promise<number>((resolve) => worker.once('message', resolve));
    expect(threadPresence(tid)).toBe('present');
    await worker.terminate();
    expect(threadPresence(tid)).toBe('gone');
    // pid 1 is a thread of another process: not in our thread group.
    expect(threadPresence(1)).toBe('gone');
    expect(threadPresence(0)).toBe('unknown');
    expect(threadPresence(-5)).toBe('unknown');
  });

  it('nameMapping names a mapping in /proc/self/maps, or says EINVAL where the kernel cannot (CONFIG_ANON_VMA_NAME)', async () => {
    const { readFileSync } = await import('node:fs');
    const size = pageSize();
    const address = mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    try {
      const outcome = nameMapping(address, size, 'vgetrandom: test');
      const maps = readFileSync('/proc/self/maps', 'utf8');
      if (outcome.named) expect(maps).toContain(`${address.toString(16)}-`);
      if (outcome.named) expect(maps).toContain('[anon:vgetrandom: test]');
      else expect(outcome.errno).toBe('EINVAL');
    } finally {
      munmap(address, size);
    }
  });

  it('gettid() is the pid on the main thread', () => {
    expect(gettid()).toBe(process.pid);
  });

  it('maps droppable memory when the kernel has MAP_DROPPABLE', (context) => {
    let address;
    try {
      address = mmap(pageSize(), PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_DROPPABLE);
    } catch (error) {
      // Kernels before 6.11 reject the flag; 32-bit kernels lack VM_DROPPABLE.
      if (error instanceof SysError && (error.code === 'EINVAL' || error.code === 'EOPNOTSUPP')) {
        context.skip(`kernel lacks MAP_DROPPABLE (${error.code})`);
      }
      throw error;
    }
    readMemory(address, 16).fill(1);
    expect(readMemory(address, 16)[0]).toBe(1);
    munmap(address, pageSize());
  });
});

describe.skipIf(linux)('sys off Linux (runs only where the host is not Linux)', () => {
  it('loads, and every call throws ERR_UNSUPPORTED_PLATFORM', () => {
    expect(nativeAvailability()).toMatchObject({ available: false, code: 'ERR_UNSUPPORTED_PLATFORM' });
    expect(() => pageSize()).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_PLATFORM' }));
  });
});

describe('the termination guard (decisions 0008 and 0010), in a process of its own', () => {
  const fixture = new URL('../test/guard-fixture.mjs', import.meta.url).pathname;
  const run = (which: string) => JSON.parse(execFileSync(process.execPath, [fixture], { encoding: 'utf8', env: { ...process.env, GUARD_CASE: which }, timeout: 60_000 }).trim().split('\n').at(-1)!);

  it('koffi loads only in workers whose every ancestor had imported the package; the others say why', () => {
    const result = run('coverage');
    expect(result.direct.own).toEqual({ covered: true, native: 'available' });
    expect(result.nested.own).toEqual({ covered: true, native: 'available' });
    expect(result.nested.below.own).toEqual({ covered: true, native: 'available' });
    // A parent that never imported: its child's stop cannot be made to wait.
    expect(result.parentDidNotImport.below.own).toEqual({ covered: false, reason: 'parent-did-not-import', native: 'ERR_UNGUARDED_THREAD' });
    // Its grandchild too, although the grandchild's own parent imported the package.
    expect(result.deeper.below.own).toMatchObject({ covered: false, native: 'ERR_UNGUARDED_THREAD' });
    expect(result.deeper.below.below.own).toEqual({ covered: false, reason: 'ancestor-did-not-import', native: 'ERR_UNGUARDED_THREAD' });
    // A Worker class copied before the import (CommonJS style) records its workers too, and
    // the class itself is left as Node made it.
    expect(result.saved.own).toEqual({ covered: true, native: 'available' });
    // Recording does not read stacks: Error.stackTraceLimit = 0 or a throwing prepareStackTrace changes nothing.
    expect(result.noStacks.own).toEqual({ covered: true, native: 'available' });
    expect(result.throwingHook.own).toEqual({ covered: true, native: 'available' });
    expect(result.sameClass).toBe(true);
  }, 60_000);

  it('a worker started before the main thread imported the package is uncovered; one started after is covered', () => {
    const result = run('late');
    expect(result.before).toEqual({ covered: false, native: 'ERR_UNGUARDED_THREAD' });
    expect(result.after).toEqual({ covered: true, native: 'available' });
  }, 60_000);

  it('terminate() returns only after the worker has left the setup step it was in', () => {
    const result = run('waits');
    expect(result.leftBeforeTerminateReturned).toBe(true);
  }, 60_000);

  it('records of workers that are gone are freed: 60 workers come and go (half terminated), none is left', () => {
    const result = run('recycled');
    expect(result.peak).toBeGreaterThanOrEqual(1);
    expect(result.after).toBe(0);
  }, 60_000);
});
