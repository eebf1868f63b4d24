// Reads a run folder into RunData. Only config.yaml is required; anything else missing (or not yet
// written, like metrics.json and predictions.jsonl) becomes null/empty and its section says so.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { parseMetricsFile, metricsFromPredictions, parsePredictions } from './metrics.js';
import type { HistoryRow, ResultFile, RunData } from './types.js';

function readText(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

function readJson(path: string): unknown {
  const text = readText(path);
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** history.jsonl lines; a torn last line (run killed mid-write) is skipped. */
export function parseHistory(text: string): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      const row: HistoryRow = { epoch: typeof o.epoch === 'number' ? o.epoch : rows.length };
      for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && Number.isFinite(v)) row[k] = v;
      rows.push(row);
    } catch {
      /* torn line */
    }
  }
  return rows;
}

export function readRunData(runDir: string): RunData {
  const dir = resolve(runDir);
  const configYaml = readText(join(dir, 'config.yaml'));
  if (configYaml === null) throw new Error(`'${runDir}' is not a run folder (no config.yaml)`);
  const config = yaml.load(configYaml) as unknown;
  const result = readJson(join(dir, 'result.json')) as ResultFile | null;
  const classesJson = readJson(join(dir, 'classes.json'));
  const classes = Array.isArray(classesJson) ? classesJson.map(String) : (result?.classes ?? []);
  const predText = readText(join(dir, 'predictions.jsonl'));
  const predictions = predText === null ? null : parsePredictions(predText, classes);
  const metricsRaw = readJson(join(dir, 'metrics.json'));
  const metrics = (metricsRaw !== null ? parseMetricsFile(metricsRaw, classes) : null) ?? (predictions?.length ? metricsFromPredictions(predictions, classes) : null);
  const cfgName = config !== null && typeof config === 'object' && 'name' in config ? String((config as { name: unknown }).name) : undefined;
  const weights = join(dir, 'model.safetensors');
  const historyText = readText(join(dir, 'history.jsonl'));
  return {
    dir,
    name: result?.name ?? cfgName ?? dir.split('/').pop() ?? dir,
    config,
    configYaml,
    summary: readText(join(dir, 'summary.txt')),
    history: historyText === null ? [] : parseHistory(historyText),
    classes,
    result,
    metrics,
    predictions,
    weightBytes: existsSync(weights) ? statSync(weights).size : null,
  };
}
