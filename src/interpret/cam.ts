// CAM (Zhou et al., 2016) for networks ending in global average pooling and one dense layer:
// the feature maps feeding the pooling, weighted by the dense weights of the class.
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Layer, Model, TraceRow } from '../nn/index.js';
import { ZooModel } from '../models/zoo-model.js';
import { forwardCapturing, type Explainable } from './layers.js';
import { checkSingleImage, targetClass } from './class-target.js';
import { toHeatMap } from './heatmap.js';
import type { ExplainOptions, Explanation } from './gradcam.js';

/** Layers that may sit between the pooling and the dense layer without changing CAM. */
const PASS_THROUGH = new Set(['Dropout', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'Flatten', 'ActivityRegularization']);
const LINEAR_HEADS = new Set(['linear', 'softmax', null, undefined]);

export class CamStructureError extends Error {
  override name = 'CamStructureError';
}

/** The layer feeding GlobalAveragePooling2D and the final Dense layer, or a CamStructureError. */
export function camLayers(model: Model): { features: Layer; dense: Layer } {
  const fail = (why: string): CamStructureError =>
    new CamStructureError(`${model.name}: CAM needs a network ending in GlobalAveragePooling2D followed by one Dense layer; ${why}. Use the gradcam method, which works for any convolutional layer`);
  const rows = model.trace().filter((r): r is TraceRow & { layer: Layer } => r.layer !== null);
  const byName = new Map(rows.map((r) => [r.name, r]));
  const last = rows.at(-1);
  if (!last || last.type !== 'Dense') throw fail(`the last layer is ${last ? `'${last.name}' (${last.type})` : 'missing'}`);
  const act = (last.layer.getConfig() as { activation?: string | null }).activation;
  if (!LINEAR_HEADS.has(act)) throw fail(`the last Dense layer '${last.name}' has activation '${act}'`);
  let cur = last;
  for (;;) {
    if (cur.connectedTo.length !== 1) throw fail(`'${cur.name}' has ${cur.connectedTo.length} inputs`);
    const prev = byName.get(cur.connectedTo[0]);
    if (!prev) throw fail(`'${cur.name}' reads the model input directly`);
    if (prev.type === 'GlobalAveragePooling2D') {
      const src = prev.connectedTo.length === 1 ? byName.get(prev.connectedTo[0]) : undefined;
      if (!src) throw fail(`'${prev.name}' pools the model input`);
      return { features: src.layer, dense: last.layer };
    }
    if (!PASS_THROUGH.has(prev.type)) throw fail(`'${last.name}' is reached from '${prev.name}' (${prev.type}), not from global average pooling`);
    cur = prev;
  }
}

/** CAM for one image x [1, C, H, W]; the heat map has the input's size (min-max scaled). */
export function classActivationMap(model: Explainable, x: Tensor, o: ExplainOptions = {}): Explanation {
  checkSingleImage(x);
  if (model instanceof ZooModel) {
    throw new CamStructureError(`${model.config.name}: CAM needs a Keras-style network ending in GlobalAveragePooling2D followed by one Dense layer; use the gradcam method, which works for any feature block`);
  }
  const { features: layer, dense } = camLayers(model);
  if (o.layer !== undefined && o.layer !== layer.name) {
    throw new CamStructureError(`${model.name}: CAM always uses the layer feeding global average pooling ('${layer.name}'), not '${o.layer}'; use the gradcam method for other layers`);
  }
  const weight = dense.stateDict().get('weight');
  if (!weight) throw new CamStructureError(`${model.name}: dense layer '${dense.name}' has no weight`);
  const [, , H, W] = x.shape;
  return T.tidy(() =>
    T.noGrad(() => {
      const { output, features } = forwardCapturing(model, { name: layer.name, module: layer }, x);
      const k = targetClass(output, o.classIndex);
      const c = features.shape[1];
      if (weight.shape[1] !== c) throw new CamStructureError(`${model.name}: '${dense.name}' takes ${weight.shape[1]} features but '${layer.name}' has ${c} channels`);
      const wk = weight.select(0, k).to(features.device as T.Device).reshape([1, c, 1, 1]);
      const cam = features.mul(wk).sum(1, { keepdim: true });
      return { heat: toHeatMap(cam, H, W, 'minmax'), classIndex: k, score: output.select(0, 0).select(0, k).item(), layer: layer.name };
    }),
  );
}
