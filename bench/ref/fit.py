"""Reference for `npm run bench -- fit`: the flowers study's hand-crafted CNN trained with a plain
PyTorch loop (no framework), on random 64x64 images held in memory.

Model: 4 x [3x3 conv 'same' (L2 1e-3 on the kernel, added to the loss as Keras does) -> batch
norm (eps 1e-3, momentum 0.01) -> ReLU], filters 32/64/128/256; 3x3/3 max pooling after blocks
1-3; dropout 0.3 after blocks 2 and 3 and after global max pooling; dense 64 + ReLU; dropout
0.1; dense 5. Adam 1e-3, batch 32. Each step reads the loss and the number of correct
predictions (.item()), as any loop that logs them does.

Prints one JSON line: images/s over the timed epochs (the first epoch is a warm-up).
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools", "py"))
from engine_settings import match_fovea  # noqa: E402


class FlowersCnn(nn.Module):
    def __init__(self, classes=5):
        super().__init__()
        chans = [3, 32, 64, 128, 256]
        self.convs = nn.ModuleList(nn.Conv2d(chans[i], chans[i + 1], 3, padding='same') for i in range(4))
        self.bns = nn.ModuleList(nn.BatchNorm2d(chans[i + 1], eps=1e-3, momentum=0.01) for i in range(4))
        self.fc1 = nn.Linear(256, 64)
        self.fc2 = nn.Linear(64, classes)

    def forward(self, x):
        for i in range(4):
            x = F.relu(self.bns[i](self.convs[i](x)))
            if i < 3:
                x = F.max_pool2d(x, 3, 3)
            if i in (1, 2):
                x = F.dropout(x, 0.3, self.training)
        x = torch.amax(x, dim=(2, 3))
        x = F.dropout(x, 0.3, self.training)
        x = F.dropout(F.relu(self.fc1(x)), 0.1, self.training)
        return self.fc2(x)

    def l2(self):
        return sum((c.weight.square().sum() for c in self.convs)) * 1e-3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--epochs', type=int, default=5, help='timed epochs (after one warm-up epoch)')
    ap.add_argument('--batches', type=int, default=10, help='batches per epoch')
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    match_fovea(args.threads)
    torch.manual_seed(args.seed)
    n = args.batches * args.batch_size
    x = torch.rand(n, 3, args.size, args.size)
    y = torch.randint(0, 5, (n,))
    model = FlowersCnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times = []
    for epoch in range(args.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        loss_sum = 0.0
        correct = 0
        for b in range(args.batches):
            idx = perm[b * args.batch_size:(b + 1) * args.batch_size]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = F.cross_entropy(logits, yb) + model.l2()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(yb)
            correct += (logits.argmax(1) == yb).sum().item()
        times.append(time.perf_counter() - t0)
    timed = sum(times[1:])
    print(json.dumps({'images_per_sec': args.epochs * n / timed, 'epoch_seconds': times[1:],
                      'threads': torch.get_num_threads(), 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
