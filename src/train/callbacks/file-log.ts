// Shared by the CSV and JSON-lines loggers: on a resumed run, keep only the lines of epochs
// before the resume point (a kill after a log line but before its checkpoint would otherwise
// leave a duplicate).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function resetLog(path: string, initialEpoch: number, epochOf: (line: string) => number | null, header = 0): void {
  if (initialEpoch <= 0 || !existsSync(path)) {
    writeFileSync(path, '');
    return;
  }
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const kept = lines.filter((l, i) => {
    if (i < header) return true;
    const e = epochOf(l);
    return e !== null && e < initialEpoch;
  });
  writeFileSync(path, kept.length ? kept.join('\n') + '\n' : '');
}
