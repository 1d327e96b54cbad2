// Syscall numbers we call through libc's syscall(2), by Node's process.arch.
// They differ per architecture; an arch missing here has no syscall backend.

interface SyscallNumbers {
  readonly getrandom: number;
  readonly gettid: number;
  readonly tgkill: number;
}

const numbers: Readonly<Record<string, SyscallNumbers>> = {
  x64: { getrandom: 318, gettid: 186, tgkill: 234 },
  ia32: { getrandom: 355, gettid: 224, tgkill: 270 },
  arm: { getrandom: 384, gettid: 224, tgkill: 268 },
  arm64: { getrandom: 278, gettid: 178, tgkill: 131 },
  riscv64: { getrandom: 278, gettid: 178, tgkill: 131 },
  loong64: { getrandom: 278, gettid: 178, tgkill: 131 },
  s390x: { getrandom: 349, gettid: 236, tgkill: 241 },
  ppc64: { getrandom: 359, gettid: 207, tgkill: 250 },
  ppc: { getrandom: 359, gettid: 207, tgkill: 250 },
};

/** The syscall numbers for `arch`, or undefined when we do not know them. */
export function syscallNumbers(arch: string = process.arch): SyscallNumbers | undefined {
  return numbers[arch];
}
