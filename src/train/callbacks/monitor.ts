// Shared by EarlyStopping and ModelCheckpoint: which direction of a monitored metric is better.
export type MonitorMode = 'auto' | 'min' | 'max';

/** 'auto': max for accuracy-like keys (acc, accuracy, topK, auc), min otherwise (losses). */
export function resolveMode(monitor: string, mode: MonitorMode = 'auto'): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /(acc|accuracy|top\d+|auc|precision|recall|f1)$/.test(monitor) ? 'max' : 'min';
}

/** True when `current` beats `best` by more than minDelta in the given direction. */
export function improves(current: number, best: number, mode: 'min' | 'max', minDelta = 0): boolean {
  if (!Number.isFinite(current)) return false;
  const d = Math.abs(minDelta);
  return mode === 'min' ? current < best - d : current > best + d;
}

export function worst(mode: 'min' | 'max'): number {
  return mode === 'min' ? Infinity : -Infinity;
}
