// Zoo architectures against their PyTorch definitions, and the ZooModel contract over every
// registered architecture (heavy ones only with FOVEA_SLOW=1).
//
// Parity: tools/fixtures/make_zoo_fixtures.py writes test/fixtures/zoo/<arch>.safetensors (the
// torchvision state dict of a seeded random init with randomised batch-norm statistics, an input
// [2, 3, H, W] and the eval-mode logits). Each registered architecture the script knows must have
// exactly the fixture's state-dict keys and shapes, load it, and reproduce the logits within 1e-4
// of max |logit|. The light set runs by default (scripts/setup.sh generates its fixtures); the
// heavy set only with FOVEA_SLOW=1 (`npm run test:slow`). A missing or stale fixture (older than the
// script) is generated on demand with /usr/bin/python3 (python3-torchvision).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/torch/index.js';
import { archNames, archPreprocessing, createModel, type ZooModel } from '../../src/models/index.js';
import { AdaptiveAvgPool2d, Flatten, Linear, Seq } from '../../src/nn/modules/index.js';

// The sets of tools/fixtures/make_zoo_fixtures.py (`--list` prints them).
const LIGHT = ['resnet18', 'squeezenet1_1', 'mobilenet_v2', 'mobilenet_v3_small', 'mnasnet1_0', 'efficientnet_b0', 'preact_resnet18'];
const HEAVY = [
  'alexnet',
  'vgg16',
  'vgg16_bn',
  'resnet34',
  'resnet50',
  'resnet101',
  'densenet121',
  'inception_v3',
  'mobilenet_v3_large',
  'convnext_tiny',
  'preact_resnet50',
];
const SLOW = process.env.FOVEA_SLOW === '1';
const TOL = 1e-4;

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = `${root}tools/fixtures/make_zoo_fixtures.py`;

function fixture(name: string): string {
  const path = `${root}test/fixtures/zoo/${name}.safetensors`;
  if (!existsSync(path) || statSync(script).mtimeMs > statSync(path).mtimeMs) {
    // generated on demand (missing, or older than the script)
    execFileSync('/usr/bin/python3', [script, name], { stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
  }
  return path;
}

const registered = new Set(archNames());

for (const name of [...LIGHT, ...HEAVY]) {
  const heavy = HEAVY.includes(name);
  const skip = !registered.has(name) ? `${name} is not registered` : heavy && !SLOW ? 'heavy architecture (FOVEA_SLOW=1 runs it)' : false;
  test(`${name}: state dict and eval logits match torchvision`, { skip }, (t) => {
    const { tensors } = T.loadSafetensors(fixture(name));
    const model = createModel(name);
    try {
      const input = tensors.get('__input__')!;
      const expected = tensors.get('__output__')!;
      assert.ok(input && expected, 'fixture has __input__ and __output__');
      const state = new Map([...tensors].filter(([k]) => !k.startsWith('__')));
      // the same keys, shapes and dtypes as torchvision's state dict
      const own = model.stateDict();
      assert.deepEqual([...own.keys()].sort(), [...state.keys()].sort(), 'state dict keys');
      for (const [k, v] of own) {
        const s = state.get(k)!;
        assert.deepEqual(v.shape, s.shape, `${k}: shape`);
        assert.equal(v.dtype, s.dtype, `${k}: dtype`);
      }
      model.loadStateDict(state);
      model.eval();
      const { diff, scale } = T.tidy(() =>
        T.noGrad(() => {
          const y = model.call(input);
          assert.deepEqual(y.shape, expected.shape, 'output shape');
          return { diff: y.sub(expected).abs().max().item() as number, scale: expected.abs().max().item() as number };
        }),
      );
      const rel = diff / Math.max(scale, 1e-12);
      t.diagnostic(`${name}: max |diff| ${diff.toExponential(2)}, max |logit| ${scale.toExponential(2)}, relative ${rel.toExponential(2)}`);
      assert.ok(rel <= TOL, `${name}: logits differ by ${rel.toExponential(3)} of max |logit| (tolerance ${TOL})`);
      if (name === 'densenet121') {
        // torchvision's downloadable densenet files use old-style keys ('denselayer1.norm.1.weight')
        const oldStyle = new Map([...state].map(([k, v]) => [k.replace(/(denselayer\d+\.(?:norm|relu|conv))([12])\./, '$1.$2.'), v]));
        assert.ok([...oldStyle.keys()].some((k) => k.includes('.norm.1.')));
        model.loadStateDict(oldStyle);
      }
      if (name === 'inception_v3') {
        // a torchvision state dict with the auxiliary classifier loads strictly (AuxLogits.* ignored)
        const aux = T.zeros([1000, 768]);
        model.loadStateDict(new Map([...state, ['AuxLogits.fc.weight', aux]]));
        aux.dispose();
      }
    } finally {
      model.dispose();
      for (const v of tensors.values()) v.dispose();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The ZooModel contract, for every registered architecture
// ---------------------------------------------------------------------------------------------

/**
 * Input side for the contract test: 64, or 96 for architectures designed for inputs above 224
 * (inception-style stems need at least 75), unless listed here.
 */
const CONTRACT_SIZE: Record<string, number> = {};

/**
 * Architectures whose contract test takes seconds (building ~25M+ parameters, a backward pass):
 * with the heavy parity set, they run only with FOVEA_SLOW=1.
 */
const CONTRACT_SLOW = new Set([...HEAVY, 'xception', 'inception_resnet_v2']);

function headModulesOf(m: ZooModel): string[] {
  return (m as unknown as { headModules: string[] }).headModules;
}

for (const name of archNames()) {
  const skip = CONTRACT_SLOW.has(name) && !SLOW ? 'heavy architecture (FOVEA_SLOW=1 runs it)' : false;
  test(`${name}: ZooModel contract (features, head, blocks, resetClassifier, truncate + replaceHead)`, { skip }, () => {
    const model = createModel(name);
    const size = CONTRACT_SIZE[name] ?? (model.config.inputSize[1] > 224 ? 96 : 64);
    try {
      T.tidy(() => {
        const x = T.randn([2, 3, size, size]);
        const cfg = model.config;
        assert.equal(cfg.name, name);
        // the registry knows the preprocessing without building the model, and agrees with it
        const pre = archPreprocessing(name);
        assert.deepEqual(
          { inputSize: cfg.inputSize, mean: cfg.mean, std: cfg.std, resizeShortSide: cfg.resizeShortSide },
          { inputSize: pre.inputSize, mean: pre.mean, std: pre.std, resizeShortSide: pre.resizeShortSide },
          'registry preprocessing = model.config',
        );
        model.eval();
        T.noGrad(() => {
          const f = model.forwardFeatures(x);
          assert.equal(f.ndim, 4, 'feature map is NCHW');
          assert.deepEqual(f.shape.slice(0, 2), [2, cfg.numFeatures], 'feature map [N, numFeatures, h, w]');
          assert.deepEqual(model.forwardHead(f).shape, [2, cfg.numClasses], 'logits [N, numClasses]');
          const pre = model.forwardHead(f, { preLogits: true });
          assert.equal(pre.ndim, 2, 'preLogits gives [N, width]');
        });

        // blocks: unique names; every parameter in exactly one block or the head
        const blocks = model.blocks();
        const names = blocks.map((b) => b.name);
        assert.equal(new Set(names).size, names.length, `block names are unique: ${names.join(', ')}`);
        const owners = new Map<T.Tensor, string[]>();
        for (const [, p] of model.namedParameters()) owners.set(p, []);
        for (const b of blocks) {
          for (const p of b.module.parameters()) {
            assert.ok(owners.has(p), `block ${b.name}: its parameters are the model's`);
            owners.get(p)!.push(b.name);
          }
          const path = model.pathOf(b.module);
          if (path === null) assert.equal(b.module.parameters().length, 0, `block ${b.name} is unregistered but has parameters`);
        }
        for (const h of headModulesOf(model)) {
          const child = model.child(h);
          assert.ok(child, `head module '${h}' exists`);
          for (const p of child.parameters()) owners.get(p)?.push(`head:${h}`);
        }
        for (const [pname, p] of model.namedParameters()) {
          assert.equal(owners.get(p)!.length, 1, `parameter ${pname} belongs to ${owners.get(p)!.join(', ') || 'no block or head'}`);
        }

        // resetClassifier: a fresh classifier with 5 outputs; 0 gives the pooled features
        const old = model.getModule(cfg.classifier);
        model.resetClassifier(5);
        assert.notEqual(model.getModule(cfg.classifier), old, 'a new classifier module');
        assert.equal(model.config.numClasses, 5);
        const logits = T.noGrad(() => model.call(x));
        assert.deepEqual(logits.shape, [2, 5]);

        // training mode: every parameter receives a gradient
        model.train();
        model.call(x).square().mean().backward();
        for (const [pname, p] of model.namedParameters()) assert.ok(p.grad !== null, `${pname} has a gradient`);
        model.eval();

        // truncate after a middle block, then a new head on its channel count
        const mid = names[Math.floor(names.length / 2)];
        model.truncateAfter(mid);
        assert.equal(model.blockNames().at(-1), mid);
        const [c] = model.featureShape([3, size, size]);
        model.replaceHead(new Seq([new AdaptiveAvgPool2d(1), Flatten(), new Linear(c, 3)]));
        assert.deepEqual(T.noGrad(() => model.call(x)).shape, [2, 3]);
        const kept = new Set(model.blocks().map((b) => b.module.parameters()).flat());
        for (const [pname, p] of model.namedParameters()) {
          assert.ok(kept.has(p) || pname.startsWith('head.'), `after truncation ${pname} is in a kept block or the new head`);
        }
      });
    } finally {
      model.dispose();
    }
  });
}
