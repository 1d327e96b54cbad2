// Syscall numbers we call through libc's syscall(2), by Node's process.arch.
// They differ per architecture; an arch missing here has no syscall backend.

interface SyscallNumbers {
  readonly getrandom: number;
  readonly gettid: number;
}

const numbers: Readonly<Record<string, SyscallNumbers>> = {
  x64: { getrandom: 318, gettid: 186 },
  ia32: { getrandom: 355, gettid: 224 },
  arm: { getrandom: 384, gettid: 224 },
  arm64: { getrandom: 278, gettid: 178 },
  riscv64: { getrandom: 278, gettid: 178 },
  loong64: { getrandom: 278, gettid: 178 },
  s390x: { getrandom: 349, gettid: 236 },
  ppc64: { getrandom: 359, gettid: 207 },
  ppc: { getrandom: 359, gettid: 207 },
};

/** The syscall numbers for `arch`, or undefined when we do not know them. */
export function syscallNumbers(arch: string = process.arch): SyscallNumbers | undefined {
  return numbers[arch];
}
