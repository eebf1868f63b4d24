// `fovea models` (the architecture zoo with parameters and MACs) and the summary of a config,
// Keras layer lists and zoo architectures alike.
import { availableParallelism } from 'node:os';
import * as T from '../torch/index.js';
import { archNames, createModel, zooSummaryData } from '../models/index.js';
import { ZooModel } from '../models/zoo-model.js';
import { buildModel } from '../experiment/run.js';
import { imageSizeOf, splitEntries } from '../experiment/data.js';
import { zooSummaryFor } from '../experiment/zoo.js';
import type { ExperimentConfig } from '../experiment/types.js';
import type { Model } from '../nn/model.js';
import { parse } from './args.js';
import { UsageError } from './errors.js';
import type { Command } from './commands.js';

const out = (s: string): void => void process.stdout.write(`${s}\n`);

/** Classes the config's model is built for: a layer list's last units; for zoo models the head's, else the data's (folders scanned, nothing decoded), else the architecture's. */
export function classCountOf(cfg: ExperimentConfig): number {
  const last = (cfg.model.arch ? cfg.model.head : cfg.model.layers)?.at(-1)?.units;
  if (typeof last === 'number') return last;
  if (!cfg.model.arch) return 0;
  try {
    return splitEntries(cfg).classes.length;
  } catch {
    return 1000;
  }
}

/** The summary text `fovea summary` prints for a config. */
export function configSummary(cfg: ExperimentConfig): string {
  const size = imageSizeOf(cfg);
  const model = buildModel(cfg, classCountOf(cfg), size);
  try {
    if (model instanceof ZooModel) return zooSummaryFor(model, size);
    return (model as Model).summary({ inputShape: cfg.model.input_shape ?? [3, size[0], size[1]] });
  } finally {
    model.dispose();
  }
}

export interface ArchRow {
  name: string;
  source: string;
  input: number[];
  params: number;
  macs: number;
  blocks: number;
  classifier: string;
}

/** Parameters and MACs of one architecture at its own input size (one dummy forward pass). */
export function archRow(name: string): ArchRow {
  const m = createModel(name);
  try {
    const d = zooSummaryData(m);
    return { name, source: m.config.source, input: [...m.config.inputSize], params: m.countParams().total, macs: d.macs, blocks: m.blocks().length, classifier: m.config.classifier };
  } finally {
    m.dispose();
  }
}

const MODELS = `usage: fovea models [ARCH...] [--json]

Lists the architecture zoo: registry name, whose definition it follows (torchvision or Keras),
input size, parameters (1000 ImageNet classes) and multiply-accumulates per image at that size
(convolutions and dense layers), number of blocks for surgery and the classifier module.
Building each architecture takes a moment; name some to list only those.

  --json   one JSON object per architecture`;

function human(n: number, unit = ''): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G${unit}`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M${unit}`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K${unit}`;
  return `${n}${unit ? ` ${unit}` : ''}`;
}

export const models: Command = {
  usage: MODELS,
  async run(argv) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, MODELS);
    if (values.help) {
      out(MODELS);
      return;
    }
    const known = archNames();
    const bad = positionals.filter((p) => !known.includes(p));
    if (bad.length) throw new UsageError(`unknown architecture${bad.length > 1 ? 's' : ''} ${bad.map((b) => `'${b}'`).join(', ')}; known: ${known.join(', ')}`);
    const names = positionals.length ? positionals : known;
    T.setNumThreads(availableParallelism()); // Debian's libtorch starts with one thread
    const widths = [22, 12, 14, 12, 12, 8];
    if (!values.json) out(['architecture', 'source', 'input', 'params', 'MACs', 'blocks', 'classifier'].map((h, i) => (i < widths.length ? h.padEnd(widths[i]) : h)).join(''));
    for (const name of names) {
      const r = archRow(name);
      if (values.json) out(JSON.stringify(r));
      else out([r.name, r.source, r.input.join('x'), human(r.params), human(r.macs), String(r.blocks), r.classifier].map((c, i) => (i < widths.length ? c.padEnd(widths[i]) : c)).join(''));
    }
  },
};
