"""Reference for `npm run bench -- finetune`: the usual PyTorch full fine-tune of a torchvision
architecture on a split that bench/finetune.ts writes (Fovea's own seeded split of the same
folder), starting from the weights Fovea imported (saved as safetensors), so that the two sides
differ only in the training recipe and the framework.

  /usr/bin/python3 bench/ref/finetune.py --split SPLIT.json --weights W.safetensors \
      --arch mobilenet_v2 --classifier classifier.1 --size 160 --epochs 10 --threads 2

SPLIT.json: {"classes": [...], "train": [[path, label], ...], "val": [...], "test": [...]}.
Recipe: every layer trained; batch norm kept in eval mode (the imported statistics stay, as with
Fovea's freeze_bn_stats: ONNX exports fold batch norm into the convolutions); random resized crop
(scale 0.5-1) and horizontal flip; AdamW (lr 5e-4, weight decay 0.01) under a one-cycle schedule;
cross entropy with label smoothing 0.1; batch 32. Evaluation: resize the shorter side to --size,
centre crop. Reports the epoch with the best validation accuracy and the test accuracy of that
epoch's weights (what Fovea's restore_best_weights gives). Progress on stderr, one JSON line on
stdout at the end.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torchvision
import torchvision.transforms as Tr
from PIL import Image
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools", "py"))
from safetensors_io import load_into  # noqa: E402
from engine_settings import match_fovea  # noqa: E402

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def rgb(path):
    with Image.open(path) as im:
        return im.convert('RGB')


def replace_classifier(model, dotted, num_classes):
    parent_name, _, leaf = dotted.rpartition('.')
    parent = model.get_submodule(parent_name) if parent_name else model
    old = getattr(parent, leaf)
    if not isinstance(old, torch.nn.Linear):
        raise SystemExit(f'{dotted} is a {type(old).__name__}, not a Linear layer')
    setattr(parent, leaf, torch.nn.Linear(old.in_features, num_classes))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--split', required=True)
    ap.add_argument('--weights', required=True)
    ap.add_argument('--arch', default='mobilenet_v2')
    ap.add_argument('--classifier', default='classifier.1')
    ap.add_argument('--size', type=int, default=160)
    ap.add_argument('--epochs', type=int, default=10)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--lr', type=float, default=5e-4)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    match_fovea(a.threads)
    torch.manual_seed(a.seed)
    t_start = time.time()
    split = json.load(open(a.split))
    model = getattr(torchvision.models, a.arch)()
    load_into(model, a.weights)
    replace_classifier(model, a.classifier, len(split['classes']))

    evaluate_tf = Tr.Compose([Tr.Resize(a.size), Tr.CenterCrop(a.size), Tr.ToTensor(), Tr.Normalize(MEAN, STD)])
    train_tf = Tr.Compose([Tr.RandomResizedCrop(a.size, scale=(0.5, 1.0)), Tr.RandomHorizontalFlip(), Tr.ToTensor(), Tr.Normalize(MEAN, STD)])
    train = [(rgb(p), y) for p, y in split['train']]  # decoded once, as Fovea does

    def eval_set(rows):
        return torch.stack([evaluate_tf(rgb(p)) for p, _ in rows]), torch.tensor([y for _, y in rows])
    xv, yv = eval_set(split['val'])
    xt, yt = eval_set(split['test'])

    def accuracy(x, y):
        model.eval()
        right = 0
        with torch.no_grad():
            for i in range(0, len(x), 64):
                right += (model(x[i:i + 64]).argmax(1) == y[i:i + 64]).sum().item()
        return right / len(x)

    steps = math.ceil(len(train) / a.batch) * a.epochs
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=steps)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    best = None
    history = []
    t_train = time.time()
    for epoch in range(1, a.epochs + 1):
        t0 = time.time()
        model.train()
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.eval()
        order = torch.randperm(len(train)).tolist()
        total, seen = 0.0, 0
        for i in range(0, len(order), a.batch):
            idx = order[i:i + a.batch]
            x = torch.stack([train_tf(train[j][0]) for j in idx])
            y = torch.tensor([train[j][1] for j in idx])
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        val, test = accuracy(xv, yv), accuracy(xt, yt)
        history.append({'epoch': epoch, 'loss': total / seen, 'val_accuracy': val, 'test_accuracy': test, 'seconds': time.time() - t0})
        print(f'pytorch epoch {epoch}/{a.epochs}: loss {total / seen:.4f} val {val:.4f} test {test:.4f} ({time.time() - t0:.0f} s)', file=sys.stderr, flush=True)
        if best is None or val > best['val_accuracy']:
            best = history[-1]
    print(json.dumps({'best_epoch': best['epoch'], 'val_accuracy': best['val_accuracy'], 'test_accuracy': best['test_accuracy'],
                      'train_s': time.time() - t_train, 'total_s': time.time() - t_start, 'torch': torch.__version__,
                      'torchvision': torchvision.__version__, 'threads': torch.get_num_threads(), 'history': history}), flush=True)


if __name__ == '__main__':
    main()
