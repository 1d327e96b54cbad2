// Findings: what a failed run leaves behind, so anyone can replay it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type TargetName = 'slab' | 'slab-native' | 'elf' | 'facade' | 'hostile-views' | 'pool' | 'interleave' | 'allocator' | 'backends';

export interface Finding {
  readonly target: TargetName;
  readonly seed: number;
  /** The broken invariant or unexpected error, in one sentence. */
  readonly invariant: string;
  /** Where the state involved was handed out and freed (operation indices), when relevant. */
  readonly allocationSite?: string;
  readonly freeSite?: string;
  /** Everything needed to replay: the target's configuration and its shrunk operations. */
  readonly input: unknown;
  readonly foundAt: string;
  readonly mutant?: string;
  /** 'hang': the case ran past its time budget (and was stopped by the watchdog). */
  readonly kind?: 'hang';
  /** The budget a hang ran past, in ms; a replay uses the same. */
  readonly budgetMs?: number;
}

/** The committed findings: regression cases that `npm test` replays. */
export const findingsDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'findings');
/**
 * Where a run writes what it finds: VGETRANDOM_FUZZ_FINDINGS when set; in the repository,
 * findings/local (git-ignored; move a file up into findings/ to keep it as a regression case);
 * installed from npm (no findings/ beside dist), fuzz-findings/ in the directory npm or the
 * command was run from, never inside node_modules.
 */
export const localFindingsDirectory =
  process.env['VGETRANDOM_FUZZ_FINDINGS'] ?? (existsSync(findingsDirectory) ? join(findingsDirectory, 'local') : join(process.env['INIT_CWD'] ?? process.cwd(), 'fuzz-findings'));

/** Writes a finding and returns its path. */
export function writeFinding(finding: Finding, directory = localFindingsDirectory): string {
  mkdirSync(directory, { recursive: true });
  const name = `${finding.target}-${finding.seed}-${Date.now().toString(36)}.json`;
  const path = join(directory, name);
  writeFileSync(path, `${JSON.stringify(finding, null, 2)}\n`);
  return path;
}

export function readFinding(path: string): Finding {
  const finding = JSON.parse(readFileSync(path, 'utf8')) as Finding;
  if (typeof finding?.target !== 'string' || finding.input === undefined) throw new Error(`${path} is not a fuzz finding`);
  return finding;
}
