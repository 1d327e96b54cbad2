// How long a `vgetrandom` command takes from exec to exit, against the same one-liner with
// node:crypto (`node -e "console.log(crypto.randomUUID())"`) and against a process that only
// loads koffi and opens libc before doing the same (the floor of any koffi user). Runs are
// interleaved, round after round, and each round's ratio is taken within the round, so that
// a VM that changes speed between rounds does not bend the ratio. (Issue 26, item 8.)
import { spawnSync } from 'node:child_process';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export interface CliStart {
  readonly rounds: number;
  /** Median ms per command. */
  readonly ms: Record<string, number>;
  /** Median, over rounds, of the command's time over the node:crypto one-liner's in the same round. */
  readonly ratio: Record<string, number>;
}

export function cliStartRows(cli: string, koffi: string, rounds: number): CliStart {
  const commands: Record<string, string[]> = {
    crypto: ['-e', "console.log(require('node:crypto').randomUUID())"],
    koffi: ['-e', `require(${JSON.stringify(koffi)}).load('libc.so.6'); console.log(require('node:crypto').randomUUID())`],
    uuid: [cli, 'uuid'],
    int: [cli, 'int', '1', '6'],
    bytes16: [cli, 'bytes', '16', '--hex'],
  };
  const times: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  // One unmeasured round first: the page cache, not the command.
  for (let round = -1; round < rounds; round += 1) {
    const took: Record<string, number> = {};
    for (const [name, args] of Object.entries(commands)) {
      const started = performance.now();
      const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, NO_COLOR: '1' } });
      if (result.status !== 0) throw new Error(`${name} (${args.join(' ')}) exited ${result.status}`);
      took[name] = performance.now() - started;
    }
    if (round < 0) continue;
    for (const name of Object.keys(commands)) {
      (times[name] ??= []).push(took[name]!);
      (ratios[name] ??= []).push(took[name]! / took['crypto']!);
    }
  }
  return {
    rounds,
    ms: Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)])),
    ratio: Object.fromEntries(Object.entries(ratios).map(([name, values]) => [name, median(values)])),
  };
}
