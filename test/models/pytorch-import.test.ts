// PyTorch checkpoints read without Python: files written by torch.save (Debian python3-torch,
// generated into a temporary folder at test time, never committed) come back with their dtypes,
// shapes, storage offsets and strides; training checkpoints are unwrapped; a torchvision state
// dict loads into the zoo model and reproduces PyTorch's logits. The pickle VM is checked on
// plain Python objects over every protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../../src/torch/index.js';
import { createModel, importWeights, loadTorchStateDict, readTorchFile, archNames } from '../../src/models/index.js';
import { unpickle } from '../../src/models/import/pickle.js';
import { tempDir } from '../data/fixtures.js';

const PY = '/usr/bin/python3';
const hasTorch = existsSync(PY) && spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const skip = hasTorch ? false : 'needs /usr/bin/python3 with python3-torch';

function python(code: string, cwd: string): void {
  const r = spawnSync(PY, ['-c', code], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
}

const FIXTURES = String.raw`
import json, torch, collections
torch.manual_seed(0)
big = torch.arange(40, dtype=torch.float32).reshape(8, 5)
sd = collections.OrderedDict()
sd['f32'] = torch.randn(3, 4)
sd['f16'] = torch.randn(2, 3).half()
sd['bf16'] = torch.randn(5).bfloat16()
sd['f64'] = torch.randn(2, 2, dtype=torch.float64)
sd['i64'] = torch.tensor([[-3, 2**40], [7, -2**50]])
sd['i32'] = torch.tensor([1, -2, 3], dtype=torch.int32)
sd['i8'] = torch.tensor([-128, 0, 127], dtype=torch.int8)
sd['u8'] = torch.tensor([0, 200, 255], dtype=torch.uint8)
sd['flag'] = torch.tensor([True, False, True])
sd['scalar'] = torch.tensor(7)
sd['empty'] = torch.zeros(0, 3)
sd['transposed'] = big.t()                 # strides (1, 5)
sd['rows'] = big[2:5]                      # storage offset 10, shares big's storage
sd['cols'] = big[:, 1:4:2]                 # offset 1, strides (5, 2)
sd['big'] = big
sd['expanded'] = torch.tensor([1.0, 2.0]).expand(3, 2)  # stride 0
torch.save(sd, 'plain.pt')
torch.save({'epoch': 3, 'state_dict': sd, 'optimizer': {'state': {}, 'param_groups': [{'lr': 0.1, 'params': [0, 1]}]}, 'note': 'x', 'best': 0.5}, 'ckpt.pth')
torch.save({'model': collections.OrderedDict(('module.' + k, v) for k, v in list(sd.items())[:3])}, 'dp.pt')
torch.save(torch.nn.Linear(3, 2).state_dict(), 'legacy.pt', _use_new_zipfile_serialization=False)
expect = {k: {'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape), 'values': v.float().flatten().tolist()} for k, v in sd.items()}
json.dump(expect, open('expect.json', 'w'))
`;

function dtypeName(d: string): string {
  return d === 'float' ? 'float32' : d === 'half' ? 'float16' : d === 'double' ? 'float64' : d === 'long' ? 'int64' : d;
}

test('torch.save files: dtypes, shapes, offsets, strides; checkpoints unwrapped; legacy files named', { skip }, () => {
  const dir = tempDir('pt-import');
  try {
    python(FIXTURES, dir);
    const expect = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Record<string, { dtype: string; shape: number[]; values: number[] }>;
    for (const file of ['plain.pt', 'ckpt.pth']) {
      const sd = loadTorchStateDict(join(dir, file));
      assert.deepEqual([...sd.keys()].sort(), Object.keys(expect).sort(), file);
      for (const [k, e] of Object.entries(expect)) {
        const t = sd.get(k)!;
        assert.equal(t.dtype, dtypeName(e.dtype), `${file} ${k} dtype`);
        assert.deepEqual(t.shape, e.shape, `${file} ${k} shape`);
        const got = T.tidy(() => t.float().flatten().dataNumbers());
        assert.equal(got.length, e.values.length);
        got.forEach((v, i) => assert.ok(Object.is(v, e.values[i]) || Math.abs(v - e.values[i]) <= 1e-6 * Math.max(1, Math.abs(e.values[i])), `${file} ${k}[${i}]: ${v} vs ${e.values[i]}`));
      }
      for (const t of sd.values()) t.dispose();
    }
    // the whole checkpoint object: plain values and containers come through as JavaScript values
    const ck = readTorchFile(join(dir, 'ckpt.pth'));
    const o = ck.object as Map<string, unknown>;
    assert.equal(o.get('epoch'), 3);
    assert.equal(o.get('note'), 'x');
    assert.equal(o.get('best'), 0.5);
    const groups = (o.get('optimizer') as Map<string, unknown>).get('param_groups') as Map<string, unknown>[];
    assert.equal(groups[0].get('lr'), 0.1);
    assert.deepEqual(groups[0].get('params'), [0, 1]);
    for (const t of ck.tensors) t.dispose();
    // {'model': ...} with DataParallel's 'module.' prefix
    const dp = loadTorchStateDict(join(dir, 'dp.pt'));
    assert.deepEqual([...dp.keys()], ['f32', 'f16', 'bf16']);
    for (const t of dp.values()) t.dispose();
    assert.throws(() => loadTorchStateDict(join(dir, 'legacy.pt')), /legacy \(pre-1\.6, non-zip\) torch\.save file/);
    writeFileSync(join(dir, 'junk.pt'), 'not a checkpoint');
    assert.throws(() => loadTorchStateDict(join(dir, 'junk.pt')), /junk\.pt: not a PyTorch checkpoint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a torchvision mobilenet_v2 state dict from torch.save loads into the zoo model and matches its logits', { skip: skip || (!archNames().includes('mobilenet_v2') && 'mobilenet_v2 is not registered') }, async () => {
  const dir = tempDir('pt-tv');
  try {
    python(
      String.raw`
import torch, torchvision
torch.manual_seed(1)
m = torchvision.models.mobilenet_v2()
for mod in m.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.2, 0.2); mod.running_var.uniform_(0.5, 1.5)
        mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.2, 0.2)
m.eval()
x = torch.randn(2, 3, 64, 64)
with torch.no_grad():
    y = m(x)
torch.save({'state_dict': m.state_dict(), 'arch': 'mobilenet_v2'}, 'mnv2.pth')
torch.save({'input': x, 'output': y}, 'io.pt')
`,
      dir,
    );
    const model = createModel('mobilenet_v2');
    try {
      const r = await importWeights(join(dir, 'mnv2.pth'), model);
      assert.equal(r.format, 'pytorch');
      assert.equal(r.missing.length, 0);
      assert.equal(r.skipped.length, 0);
      assert.equal(r.loaded.length, model.stateDict().size);
      model.eval();
      const io = loadTorchStateDict(join(dir, 'io.pt'));
      const diff = T.tidy(() => T.noGrad(() => model.forward(io.get('input')!).sub(io.get('output')!).abs().max().item()));
      const scale = T.tidy(() => io.get('output')!.abs().max().item());
      assert.ok(diff <= 1e-4 * Math.max(1, scale), `max |diff| ${diff}`);
      for (const t of io.values()) t.dispose();
      // a mis-shaped parameter is named
      const other = createModel('mobilenet_v2', { numClasses: 10 });
      await assert.rejects(importWeights(join(dir, 'mnv2.pth'), other), /classifier\.1\.weight: model \[10, 1280\] vs .*\[1000, 1280\]/);
      const partial = await importWeights(join(dir, 'mnv2.pth'), other, { skipMismatched: true, strict: false });
      assert.deepEqual(partial.missing, ['classifier.1.weight', 'classifier.1.bias']);
      other.dispose();
    } finally {
      model.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the pickle VM reads plain Python objects over protocols 0 to 5', { skip: existsSync(PY) ? false : 'needs /usr/bin/python3' }, () => {
  const dir = tempDir('pickle');
  try {
    const r = spawnSync(
      PY,
      [
        '-c',
        String.raw`
import pickle, sys, collections
obj = {'i': [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31, 2**62, -2**62, 2**70], 'f': [0.5, -1e300, 3.25], 's': ['', 'abc', 'é∑', 'x' * 300],
       'b': b'\x00\x01', 't': (1, (2, 3), (4, 5, 6), (7, 8, 9, 10)), 'n': None, 'bools': [True, False],
       'od': collections.OrderedDict([('a', 1), ('b', [1, 2])]), 'nested': {'k': {'k2': [{}, [], ()]}}}
obj['shared'] = [obj['t'], obj['t']]
for p in range(0, 6):
    open('p%d.pkl' % p, 'wb').write(pickle.dumps(obj, protocol=p))
`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    for (let p = 0; p <= 5; p++) {
      const o = unpickle(new Uint8Array(readFileSync(join(dir, `p${p}.pkl`))), { source: `p${p}` }) as Map<string, unknown>;
      const ints = o.get('i') as (number | bigint)[];
      // integers beyond 2^53 come back as bigints
      assert.deepEqual(ints, [0, 1, -1, 255, 256, 65535, 65536, -(2 ** 31), 2 ** 31, 2n ** 62n, -(2n ** 62n), 2n ** 70n], `protocol ${p}`);
      assert.deepEqual(o.get('f'), [0.5, -1e300, 3.25]);
      assert.deepEqual(o.get('s'), ['', 'abc', 'é∑', 'x'.repeat(300)], `protocol ${p}`);
      assert.deepEqual(o.get('t'), [1, [2, 3], [4, 5, 6], [7, 8, 9, 10]]);
      assert.equal(o.get('n'), null);
      assert.deepEqual(o.get('bools'), [true, false]);
      assert.deepEqual([...(o.get('od') as Map<string, unknown>).entries()], [['a', 1], ['b', [1, 2]]]);
      const shared = o.get('shared') as unknown[];
      assert.equal(shared[0], shared[1], `protocol ${p}: memoised objects are shared`);
      assert.deepEqual([...(o.get('b') as Uint8Array)], [0, 1], `protocol ${p}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
