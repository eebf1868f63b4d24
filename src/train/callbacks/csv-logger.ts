// Appends one CSV row per epoch (keras.callbacks.CSVLogger); columns: epoch, then the first
// epoch's keys sorted.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FitContext, Logs } from '../types.js';
import { Callback } from './callback.js';
import { resetLog } from './file-log.js';

export class CSVLogger extends Callback {
  private columns: string[] | null = null;

  constructor(
    readonly path: string,
    readonly separator = ',',
  ) {
    super();
  }

  override onTrainBegin(ctx: FitContext): void {
    mkdirSync(dirname(this.path), { recursive: true });
    this.columns = null;
    resetLog(this.path, ctx.params.initialEpoch, (l) => {
      const e = Number(l.split(this.separator)[0]);
      return Number.isInteger(e) ? e : null;
    }, 1);
    if (ctx.params.initialEpoch > 0 && existsSync(this.path)) {
      const head = readFileSync(this.path, 'utf8').split('\n')[0];
      if (head) this.columns = head.split(this.separator);
    }
  }

  override onEpochEnd(_ctx: FitContext, epoch: number, logs: Logs): void {
    if (!this.columns) {
      this.columns = ['epoch', ...Object.keys(logs).filter((k) => k !== 'epoch').sort()];
      appendFileSync(this.path, this.columns.join(this.separator) + '\n');
    }
    const row = this.columns.map((c) => (c === 'epoch' ? String(epoch) : logs[c] === undefined ? '' : String(logs[c])));
    appendFileSync(this.path, row.join(this.separator) + '\n');
  }
}
