#!/usr/bin/python3
"""PyTorch reference for `npm run bench -- engine` (bench/engine.ts).

Trains the flowers study's hand-crafted CNN on random data held in memory, exactly as
bench/engine.ts does with Fovea: four blocks of 3x3 conv ('same' padding, bias, L2 1e-3 on the
kernel added to the loss as Keras does) + batch norm + ReLU, 3x3/3 max pooling after blocks 1-3,
dropout 0.3 after blocks 2 and 3 and after the global max pooling, dense 64 + ReLU, dropout 0.1,
dense 5; cross entropy; torch.optim.Adam(lr=1e-3, foreach=False), i.e. the single-tensor path.

Two ways to run it:
  /usr/bin/python3 bench/ref/engine.py --size 64 --steps 10      one measurement, one JSON line
  /usr/bin/python3 bench/ref/engine.py --serve                   JSON-lines requests on stdin
The second is what bench/engine.ts uses, so that Fovea and PyTorch can take turns in one run.
Requests: {"cmd": "setup", "size", "batch", "seed"}, {"cmd": "run", "size", "warmup", "steps"},
{"cmd": "verify", "size", "file", "steps"}, {"cmd": "quit"}. Each gets one JSON line back.
Set the thread count with --threads (and OMP_NUM_THREADS in the environment, as the caller does).
"""
import argparse
import json
import os
import resource
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools", "py"))
from safetensors_io import read_safetensors  # noqa: E402
from jsonl_serve import serve as jsonl_serve  # noqa: E402
from engine_settings import match_fovea  # noqa: E402

CLASSES = 5
FILTERS = (32, 64, 128, 256)
L2 = 1e-3
BN_EPS = 1e-3  # Keras' BatchNormalization defaults
BN_MOMENTUM = 0.01  # Keras momentum 0.99 in PyTorch's convention
NUM_BATCHES = 4  # distinct random batches held in memory, used in turn


class FlowersCnn(nn.Module):
    def __init__(self, dropout=True):
        super().__init__()
        chans = (3,) + FILTERS
        for i in range(4):
            setattr(self, f'conv{i}', nn.Conv2d(chans[i], chans[i + 1], 3, padding='same'))
            setattr(self, f'bn{i}', nn.BatchNorm2d(chans[i + 1], eps=BN_EPS, momentum=BN_MOMENTUM))
        self.fc1 = nn.Linear(FILTERS[-1], 64)
        self.fc2 = nn.Linear(64, CLASSES)
        self.use_dropout = dropout

    def forward(self, x):
        train = self.training and self.use_dropout
        h = x
        for i in range(4):
            h = F.relu(getattr(self, f'bn{i}')(getattr(self, f'conv{i}')(h)))
            if i < 3:
                h = F.max_pool2d(h, 3, 3)
            if i in (1, 2):
                h = F.dropout(h, 0.3, train)
        h = torch.amax(h, dim=(2, 3))
        h = F.dropout(h, 0.3, train)
        h = F.relu(self.fc1(h))
        h = F.dropout(h, 0.1, train)
        return self.fc2(h)

    def l2(self):
        return [getattr(self, f'conv{i}').weight for i in range(4)]


def loss_fn(model, x, y):
    loss = F.cross_entropy(model(x), y)
    for w in model.l2():
        loss = loss + L2 * w.square().sum()
    return loss


class Trainer:
    def __init__(self, size, batch, seed, dropout=True):
        torch.manual_seed(seed)
        self.model = FlowersCnn(dropout).train()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, foreach=False)
        self.xs = [torch.randn(batch, 3, size, size) for _ in range(NUM_BATCHES)]
        self.ys = [torch.randint(0, CLASSES, (batch,)) for _ in range(NUM_BATCHES)]
        self.batch = batch
        self.i = 0

    def step(self):
        x, y = self.xs[self.i % NUM_BATCHES], self.ys[self.i % NUM_BATCHES]
        self.i += 1
        self.opt.zero_grad(set_to_none=True)
        loss = loss_fn(self.model, x, y)
        loss.backward()
        self.opt.step()
        return loss

    def run(self, warmup, steps):
        loss = None
        for _ in range(warmup):
            loss = self.step()  # `loss` (and its graph) lives until reassigned, as in any PyTorch loop
        r0, c0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.process_time(), time.perf_counter()
        for _ in range(steps):
            loss = self.step()
        seconds = time.perf_counter() - t0
        cpu, r1 = time.process_time() - c0, resource.getrusage(resource.RUSAGE_SELF)
        return {'seconds': seconds, 'img_s': steps * self.batch / seconds, 'loss': loss.item(),
                'cpu_s': cpu, 'minflt': r1.ru_minflt - r0.ru_minflt}


def verify(size, path, steps):
    """Loads Fovea's initial weights and one batch, trains `steps` steps without dropout, and
    returns the losses and a checksum of every parameter and buffer, for bench/engine.ts to compare."""
    tensors = read_safetensors(path)
    x, y = tensors.pop('input'), tensors.pop('target')
    model = FlowersCnn(dropout=False).train()
    state = model.state_dict()
    missing = [k for k in state if k not in tensors and not k.endswith('num_batches_tracked')]
    unexpected = [k for k in tensors if k not in state]
    if missing or unexpected:
        raise ValueError(f'state mismatch: missing {missing}, unexpected {unexpected}')
    with torch.no_grad():
        for k, v in tensors.items():
            state[k].copy_(v)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=False)
    losses = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model, x, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    sums = {k: v.double().abs().sum().item() for k, v in model.state_dict().items() if not k.endswith('num_batches_tracked')}
    return {'losses': losses, 'abs_sums': sums}


def serve():
    trainers = {}

    def handle(req):
        cmd = req['cmd']
        if cmd == 'setup':
            trainers.clear()  # as bench/engine.ts disposes its previous trainer
            trainers[req['size']] = Trainer(req['size'], req['batch'], req.get('seed', 0))
            return {'params': sum(p.numel() for p in trainers[req['size']].model.parameters()),
                    'threads': torch.get_num_threads(), 'torch': torch.__version__}
        if cmd == 'run':
            return trainers[req['size']].run(req['warmup'], req['steps'])
        if cmd == 'verify':
            return verify(req['size'], req['file'], req['steps'])
        raise ValueError(f'unknown command {cmd!r}')

    jsonl_serve(handle)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--serve', action='store_true', help='answer JSON-lines requests on stdin')
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    match_fovea(args.threads)
    if args.serve:
        serve()
        return
    res = Trainer(args.size, args.batch, args.seed).run(args.warmup, args.steps)
    res.update(size=args.size, threads=torch.get_num_threads())
    print(json.dumps(res))


if __name__ == '__main__':
    main()
