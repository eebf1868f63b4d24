import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { colourClasses, oddImageFolder, tempDir } from '../data/fixtures.js';

const BIN = resolve(fileURLToPath(import.meta.url), '../../../../bin/fovea.js');

function fovea(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function config(dataRoot: string, extra = ''): string {
  return `name: tiny
seed: 3
threads: 1
data:
  root: ${dataRoot}
  split: {val: 0.25, test: 0.25}
  image_size: 16
  cache: none
augment:
  horizontal_flip: true
model:
  layers:
    - {type: Conv2D, filters: 8, kernel_size: 3, padding: same, activation: relu}
    - {type: MaxPooling2D, pool_size: 2}
    - {type: Dropout, rate: 0.1}
    - {type: GlobalAveragePooling2D}
    - {type: Dense, units: 3}
train:
  epochs: 6
  batch_size: 8
  optimizer: {name: adam, lr: 0.01}
${extra}`;
}

test('usage errors and bad configs exit with 2 and name the problem; --help exits 0', () => {
  const dir = tempDir('cli-usage');
  try {
    assert.equal(fovea([]).code, 2);
    const h = fovea(['train', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /usage: fovea train CONFIG/);
    for (const cmd of ['eval', 'predict', 'summary', 'augment']) assert.equal(fovea([cmd, '--help']).code, 0);
    const unknown = fovea(['fly']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'fly'/);
    writeFileSync(join(dir, 'bad.yaml'), config(dir).replace('epochs: 6', 'epoch: 6'));
    const bad = fovea(['train', join(dir, 'bad.yaml')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown key 'train.epoch' \(did you mean 'epochs'\?\)/);
    writeFileSync(join(dir, 'ok.yaml'), config(join(dir, 'nowhere')));
    const missing = fovea(['train', join(dir, 'ok.yaml'), '--out', join(dir, 'run')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /data folder '.*nowhere' does not exist/);
    assert.equal(fovea(['train', join(dir, 'ok.yaml'), '--set', 'train.optimizer.name=sdg']).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train writes a run folder, skips bad files, and eval/predict/summary use it', async () => {
  const dir = tempDir('cli-train');
  try {
    const data = join(dir, 'data');
    await colourClasses(data, ['red one', 'green', 'blue'], 24);
    // odd files inside a real class: decoded or skipped, never fatal
    await oddImageFolder(join(dir, 'odd'));
    for (const f of ['truncated.jpg', 'empty.jpg', 'notes.txt']) writeFileSync(join(data, 'green', f), readFileSync(join(dir, 'odd', 'café', f)));
    writeFileSync(join(dir, 'exp.yaml'), config(data));
    const r = fovea(['train', join(dir, 'exp.yaml'), '--out', join(dir, 'run'), '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const runDir = r.stdout.trim().split('\n').at(-1)!;
    assert.equal(runDir, join(dir, 'run'));
    for (const f of ['config.yaml', 'summary.txt', 'history.jsonl', 'model.safetensors', 'result.json', 'classes.json']) {
      assert.ok(existsSync(join(runDir, f)), `${f} is written`);
    }
    const result = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8'));
    assert.deepEqual(result.classes, ['blue', 'green', 'red one']);
    assert.equal(result.data.skipped, 3);
    assert.match(r.stderr, /skipped 3 unreadable files/);
    assert.ok(result.test.accuracy >= 0.9, `colour classes are learnt: ${result.test.accuracy}`);
    for (const k of ['accuracy', 'loss']) assert.equal(typeof result.val[k], 'number');
    assert.ok(result.params.total > 0 && result.params.trainable === result.params.total);
    assert.equal(readFileSync(join(runDir, 'history.jsonl'), 'utf8').trim().split('\n').length, 6);

    const ev = fovea(['eval', runDir, '--json']);
    assert.equal(ev.code, 0, ev.stderr);
    const evJson = JSON.parse(ev.stdout.trim().split('\n').at(-1)!);
    assert.ok(Math.abs(evJson.accuracy - result.test.accuracy) < 1e-9, 'eval reproduces the test accuracy');

    const img = join(data, 'red one', 'img0.png');
    const pr = fovea(['predict', runDir, img, join(data, 'green', 'notes.txt'), '--top', '2', '--json']);
    const lines = pr.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[0].file, img);
    assert.equal(lines[0].top.length, 2);
    assert.equal(lines[0].top[0].class, 'red one');
    assert.ok(lines[0].top[0].probability > lines[0].top[1].probability);
    assert.match(lines[1].error, /not an image/);

    const sm = fovea(['summary', join(dir, 'exp.yaml')]);
    assert.equal(sm.code, 0, sm.stderr);
    assert.match(sm.stdout, /Total params: 251/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run killed with SIGKILL and resumed ends with the same result as an uninterrupted run', async () => {
  const dir = tempDir('cli-resume');
  try {
    const data = join(dir, 'data');
    await colourClasses(data, ['a', 'b', 'c'], 24);
    writeFileSync(join(dir, 'exp.yaml'), config(data).replace('epochs: 6', 'epochs: 8'));
    const full = fovea(['train', join(dir, 'exp.yaml'), '--out', join(dir, 'full'), '--quiet']);
    assert.equal(full.code, 0, full.stderr);

    const killed = join(dir, 'killed');
    const child = spawn(process.execPath, [BIN, 'train', join(dir, 'exp.yaml'), '--out', killed, '--quiet'], { stdio: 'ignore' });
    const manifest = join(killed, 'checkpoints', 'checkpoint.json');
    const t0 = Date.now();
    while (!existsSync(manifest) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(existsSync(manifest), 'a checkpoint was written before the kill');
    assert.ok(!existsSync(join(killed, 'result.json')), 'the run was killed before it finished');

    const resumed = fovea(['train', '--resume', killed, '--quiet']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const a = JSON.parse(readFileSync(join(dir, 'full', 'result.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(killed, 'result.json'), 'utf8'));
    assert.deepEqual(b.test, a.test);
    assert.deepEqual(b.val, a.val);
    assert.deepEqual(b.train, a.train);
    assert.equal(b.epochs, a.epochs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
