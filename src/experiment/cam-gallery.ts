// The CAM gallery a run folder keeps for its report: Grad-CAM overlays of the most confident
// correct and wrong test predictions, written to <run>/cam/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../torch/index.js';
import type { PredictionRow } from '../eval/index.js';
import { explainInput, outputPath, writePng, type Explainable } from '../interpret/index.js';
import type { Augmentation } from '../data/augment/index.js';
import type { DecodedImages } from '../data/images.js';

export interface CamGalleryOptions {
  perKind?: number;
  scale: 'unit' | 'byte';
  augmentation: Augmentation;
}

/** Writes up to perKind correct and perKind wrong overlays; returns their paths (correct first). */
export async function writeCamGallery(runDir: string, model: Explainable, decoded: DecodedImages, rows: readonly PredictionRow[], o: CamGalleryOptions): Promise<string[]> {
  const n = o.perKind ?? 4;
  const byConfidence = [...rows.keys()].sort((a, b) => rows[b].confidence - rows[a].confidence);
  const chosen = [...byConfidence.filter((i) => rows[i].correct).slice(0, n), ...byConfidence.filter((i) => !rows[i].correct).slice(0, n)];
  if (chosen.length === 0) return [];
  const dir = join(runDir, 'cam');
  const [, h, w] = decoded.images.shape;
  const taken = new Set<string>();
  const paths: string[] = [];
  model.eval();
  for (const i of chosen) {
    const { x, px } = T.tidy(() => {
      const img = decoded.images.select(0, i);
      let f = img.permute([2, 0, 1]).unsqueeze(0).float();
      if (o.scale === 'unit') f = f.div(255);
      return { x: o.augmentation.eval(f), px: img.contiguous().data() as Uint8Array };
    });
    try {
      const r = explainInput(model, x, { width: w, height: h, data: px }, { method: 'gradcam', classIndex: rows[i].prediction_index });
      const tag = rows[i].correct ? 'correct' : 'wrong';
      const path = outputPath(dir, `${tag}-${rows[i].file.split('/').pop()}`, 'gradcam', taken);
      mkdirSync(dir, { recursive: true }); // only once an explanation worked (MLPs have no conv layer)
      await writePng(r.image, path, { scale: Math.max(1, Math.round(192 / Math.max(h, w))) });
      paths.push(path);
    } finally {
      x.dispose();
    }
  }
  return paths;
}
