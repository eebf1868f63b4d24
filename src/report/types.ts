// The data a report is made from: one run folder, read tolerantly (every file but config.yaml may
// be missing), and the normalised evaluation figures the sections draw.

/** One epoch of history.jsonl. */
export interface HistoryRow {
  epoch: number;
  [metric: string]: number;
}

/** The parts of result.json a report uses (written by src/experiment/run.ts). */
export interface ResultFile {
  name?: string;
  classes?: string[];
  epochs?: number;
  train?: Record<string, number>;
  val?: Record<string, number>;
  test?: Record<string, number>;
  params?: { total: number; trainable: number; non_trainable: number };
  macs?: number;
  data?: { image_size?: [number, number]; counts?: { train: number[]; val: number[]; test: number[] }; skipped?: number };
  efficiency?: { latency_ms_batch1: number; throughput_batch32: number; threads: number };
  timings?: { decode_s?: number; train_s?: number; eval_s?: number; total_s?: number; epoch_s?: number[] };
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Classification figures of the test split, from metrics.json or computed from predictions.jsonl. */
export interface EvalMetrics {
  classes: string[];
  perClass: (ClassScores & { name: string })[];
  macro: ClassScores;
  weighted: ClassScores;
  accuracy: number;
  /** counts[truth][prediction]. */
  confusion: number[][];
  mostConfused: { truth: string; prediction: string; count: number }[];
  ece?: number;
  /** Bootstrap confidence interval of the accuracy. */
  accuracyCi?: { low: number; high: number; level?: number };
  source: 'metrics.json' | 'predictions.jsonl';
}

/** One test image's prediction, with class indices. */
export interface PredictionRow {
  file: string;
  truth: number;
  prediction: number;
  probabilities: number[];
}

export interface RunData {
  dir: string;
  name: string;
  /** Parsed config.yaml (plain JSON-like data), and its text. */
  config: unknown;
  configYaml: string;
  summary: string | null;
  history: HistoryRow[];
  classes: string[];
  result: ResultFile | null;
  metrics: EvalMetrics | null;
  predictions: PredictionRow[] | null;
  /** Bytes of model.safetensors, null when missing. */
  weightBytes: number | null;
}
