// Progress on stderr. On a TTY one line is redrawn: epoch, batch n/N, a bar, running loss and
// metrics, throughput (img/s) and ETA; the finished epoch's line stays. Not a TTY (logs, CI):
// one plain line per epoch.
import type { BatchLogs, FitContext, Logs } from '../types.js';
import { Callback } from './callback.js';

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBarOptions {
  stream?: ProgressStream;
  /** Override TTY detection. */
  tty?: boolean;
  /** Minimum milliseconds between redraws (default 100). */
  intervalMs?: number;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function fmtLogs(logs: Logs, skip: readonly string[]): string {
  return Object.entries(logs)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => `${k} ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2)}`)
    .join('  ');
}

export class ProgressBar extends Callback {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private epochStart = 0;
  private lastDraw = 0;
  private seen = 0;
  private lossSum = 0;
  private metricSums: Record<string, number> = {};

  constructor(o: ProgressBarOptions = {}) {
    super();
    this.stream = o.stream ?? process.stderr;
    this.tty = o.tty ?? Boolean(this.stream.isTTY);
    this.intervalMs = o.intervalMs ?? 100;
  }

  override onEpochBegin(): void {
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
    this.lossSum = 0;
    this.metricSums = {};
  }

  override onBatchEnd(ctx: FitContext, batch: number, logs: BatchLogs): void {
    this.seen += logs.size;
    this.lossSum += logs.loss * logs.size;
    for (const m of ctx.params.metrics) {
      const key = m === 'acc' ? 'accuracy' : m;
      if (logs[key] !== undefined) this.metricSums[key] = (this.metricSums[key] ?? 0) + logs[key] * logs.size;
    }
    if (!this.tty) return;
    const now = performance.now();
    const n = batch + 1;
    const total = ctx.params.stepsPerEpoch;
    if (n < total && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    const elapsed = (now - this.epochStart) / 1000;
    const rate = this.seen / Math.max(elapsed, 1e-9);
    const eta = (elapsed / n) * (total - n);
    const width = 20;
    const filled = Math.round((n / total) * width);
    const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (n === total ? '=' : '>') : '') + '.'.repeat(width - filled);
    const running: Logs = { loss: this.lossSum / this.seen };
    for (const [k, v] of Object.entries(this.metricSums)) running[k] = v / this.seen;
    let line = `${this.prefix(ctx)} ${String(n).padStart(String(total).length)}/${total} [${bar}] ${fmtLogs(running, [])}  ${rate.toFixed(0)} img/s  ETA ${fmtTime(eta)}`;
    const cols = this.stream.columns ?? 0;
    if (cols > 10 && line.length >= cols) line = line.slice(0, cols - 1);
    this.stream.write(`\r\x1b[2K${line}`);
  }

  override onEpochEnd(ctx: FitContext, _epoch: number, logs: Logs): void {
    const line = `${this.prefix(ctx)} ${fmtTime(logs.time ?? (performance.now() - this.epochStart) / 1000)}  ${fmtLogs(logs, ['epoch', 'time', 'samples_per_sec'])}  ${(logs.samples_per_sec ?? 0).toFixed(0)} img/s`;
    this.stream.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  private prefix(ctx: FitContext): string {
    const w = String(ctx.params.epochs).length;
    return `Epoch ${String(ctx.epoch + 1).padStart(w)}/${ctx.params.epochs}`;
  }
}
