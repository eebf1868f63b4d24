// Appends one JSON object per epoch to a file (history.jsonl).
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FitContext, Logs } from '../types.js';
import { Callback } from './callback.js';
import { resetLog } from './file-log.js';

export class JsonlLogger extends Callback {
  constructor(readonly path: string) {
    super();
  }

  override onTrainBegin(ctx: FitContext): void {
    mkdirSync(dirname(this.path), { recursive: true });
    resetLog(this.path, ctx.params.initialEpoch, (l) => {
      try {
        const e = (JSON.parse(l) as { epoch?: unknown }).epoch;
        return typeof e === 'number' ? e : null;
      } catch {
        return null;
      }
    });
  }

  override onEpochEnd(_ctx: FitContext, epoch: number, logs: Logs): void {
    const rec: Record<string, number | null> = { epoch };
    for (const [k, v] of Object.entries(logs)) rec[k] = Number.isFinite(v) ? v : null;
    appendFileSync(this.path, JSON.stringify(rec) + '\n');
  }
}
