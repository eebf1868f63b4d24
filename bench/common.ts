// What every benchmark shares: the interface bench/run.ts dispatches to, flag declarations,
// a persistent Python reference process spoken to in JSON lines, and small statistics helpers.
//
// A benchmark is a module bench/<name>.ts exporting `benchmark: Benchmark`, registered in
// bench/run.ts. It prints whatever a person should read on stderr and returns its results;
// run.ts prints each result as one JSON line on stdout, so stdout stays machine-readable.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { availableParallelism } from 'node:os';

/** One flag of a benchmark: `--name value` (string) or `--name` (boolean). */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Shown in --help; for string flags, used when the flag is absent. */
  default?: string | boolean;
  help: string;
}

/** Parsed flags: every declared flag, with its default when absent. */
export type BenchArgs = Record<string, string | boolean | undefined>;

/** One result, printed by run.ts as one JSON line; `bench` is the benchmark's name. */
export interface BenchResult {
  bench: string;
  [key: string]: string | number | boolean | null;
}

export interface Benchmark {
  name: string;
  /** One line, shown in the list of benchmarks. */
  description: string;
  /** Longer text for `run.js NAME --help` (optional). */
  details?: string;
  flags: Record<string, FlagSpec>;
  run(args: BenchArgs): Promise<BenchResult[]>;
}

// ---- flags ----

export class UsageError extends Error {
  override name = 'UsageError';
}

export function intArg(args: BenchArgs, name: string, min = 1): number {
  const raw = args[name];
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min) {
    throw new UsageError(`--${name} needs an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

export function intListArg(args: BenchArgs, name: string, min = 1): number[] {
  const raw = args[name];
  if (typeof raw !== 'string') throw new UsageError(`--${name} needs a comma-separated list of integers`);
  return raw.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name}: '${s}' is not an integer >= ${min}`);
    return n;
  });
}

/** The common --threads flag: defaults to the number of cores this process may use. */
export const threadsFlag: FlagSpec = {
  type: 'string',
  default: String(availableParallelism()),
  help: 'intra-op threads for Fovea and for the reference (torch.set_num_threads, OMP_NUM_THREADS)',
};

// ---- statistics ----

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Progress and summaries go to stderr; stdout holds only the JSON result lines. */
export function log(msg: string): void {
  process.stderr.write(msg + '\n');
}

// ---- the Python reference ----

/** The interpreter with torch: Debian's python3-torch lives in /usr/bin/python3. */
export const PYTHON = process.env.FOVEA_PYTHON ?? '/usr/bin/python3';

/**
 * A long-lived reference process that answers one JSON line per JSON-line request (see
 * bench/ref/engine.py --serve). Keeping it alive lets a benchmark take turns between Fovea and
 * the reference with both warm, and costs nothing while idle (it blocks on stdin).
 */
export class RefProcess {
  private readonly proc: ChildProcessByStdio<Writable, Readable, null>;
  private readonly lines: Interface;
  private readonly waiting: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  private exited: Error | null = null;

  constructor(script: string, args: string[], env: Record<string, string> = {}) {
    this.proc = spawn(PYTHON, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on('line', (line) => {
      const w = this.waiting.shift();
      if (!w) return log(`reference: unexpected output: ${line}`);
      try {
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (msg.ok === false) w.reject(new Error(`reference ${script}: ${String(msg.error)}`));
        else w.resolve(msg);
      } catch {
        w.reject(new Error(`reference ${script} printed a line that is not JSON: ${line}`));
      }
    });
    const fail = (e: Error): void => {
      this.exited = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    this.proc.on('error', (e) => fail(new Error(`cannot start ${PYTHON} ${script}: ${e.message}`)));
    this.proc.on('exit', (code, signal) => fail(new Error(`reference ${script} exited (${signal ?? `code ${code}`})`)));
  }

  request<R = Record<string, unknown>>(req: Record<string, unknown>): Promise<R> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (v: Record<string, unknown>) => void, reject });
      this.proc.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  close(): void {
    if (this.exited) return;
    this.proc.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
    this.lines.close();
  }
}

/**
 * glibc malloc settings that keep freed memory for reuse instead of handing it back to the
 * kernel (no mmap for big blocks, no heap trimming), as Fovea's addon sets them for itself:
 * --malloc-tuned gives the PyTorch reference the same.
 */
export const TUNED_MALLOC = 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296';

/** glibc reads GLIBC_TUNABLES only at start-up: reruns this command with it set (both sides) and returns its results. */
export function rerunWithTunedMalloc(bench: string): BenchResult[] {
  log(`${bench}: --malloc-tuned: rerunning with GLIBC_TUNABLES=${TUNED_MALLOC} (Fovea and PyTorch alike)`);
  const r = spawnSync(process.execPath, process.argv.slice(1), {
    env: { ...process.env, GLIBC_TUNABLES: TUNED_MALLOC },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`the rerun with GLIBC_TUNABLES failed (${r.error?.message ?? r.signal ?? `exit code ${r.status}`})`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as BenchResult);
}

/** Timed rounds with the two sides taking turns, who goes first alternating, so neither always runs right after the other. */
export async function alternateRounds(rounds: number, fovea: () => void, reference: () => Promise<void>): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      fovea();
      await reference();
    } else {
      await reference();
      fovea();
    }
  }
}
