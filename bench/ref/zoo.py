"""Reference for `npm run bench -- zoo`: torchvision architectures in PyTorch, answering JSON-lines
requests so that bench/zoo.ts can take turns with Fovea in one run (same threads, same input).

  /usr/bin/python3 bench/ref/zoo.py --serve --threads 2

Requests (one JSON object per line; each gets one JSON line back):
  {"cmd": "setup", "arch": "mobilenet_v2", "mode": "forward"|"train", "size": 224, "batch": 32,
   "weights": PATH (optional: Fovea's state dict as safetensors), "seed": 0}
      builds torchvision.models.<arch>() (random init, or the given weights), a random batch
  {"cmd": "output", "input": PATH}  logits of the batch stored in PATH (eval mode), as a list
  {"cmd": "run", "warmup": 2, "steps": 5}
      forward: `steps` timed forward passes in inference mode (eval); train: `steps` timed training
      steps (forward, cross entropy, backward, Adam 1e-3, single-tensor path as Fovea's)
  {"cmd": "quit"}
"""
import argparse
import json
import os
import resource
import struct
import sys
import time

import torch
import torch.nn.functional as F
import torchvision
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools", "py"))
from safetensors_io import load_into, read_safetensors  # noqa: E402
from jsonl_serve import serve as jsonl_serve  # noqa: E402
from engine_settings import match_fovea  # noqa: E402


class Job:
    def __init__(self, arch, mode, size, batch, seed=0, weights=None):
        torch.manual_seed(seed)
        self.model = getattr(torchvision.models, arch)()
        if weights:
            load_into(self.model, weights)
        self.mode = mode
        self.batch = batch
        self.x = torch.rand(batch, 3, size, size)
        self.y = torch.randint(0, 1000, (batch,))
        if mode == 'train':
            self.model.train()
            self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, foreach=False)
        else:
            self.model.eval()

    def step(self):
        if self.mode == 'forward':
            with torch.inference_mode():
                return self.model(self.x).sum()
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss.detach()

    def run(self, warmup, steps):
        out = None
        for _ in range(warmup):
            out = self.step()
        r0, c0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.process_time(), time.perf_counter()
        for _ in range(steps):
            out = self.step()
            out.item()  # a loop that logs the loss reads it back
        seconds = time.perf_counter() - t0
        cpu, r1 = time.process_time() - c0, resource.getrusage(resource.RUSAGE_SELF)
        return {'seconds': seconds, 'img_s': steps * self.batch / seconds, 'value': float(out), 'cpu_s': cpu,
                'minflt': r1.ru_minflt - r0.ru_minflt}


def serve():
    state = {'job': None}

    def handle(req):
        cmd = req['cmd']
        if cmd == 'setup':
            state['job'] = None  # as bench/zoo.ts disposes its previous model
            job = state['job'] = Job(req['arch'], req['mode'], req['size'], req['batch'], req.get('seed', 0), req.get('weights'))
            return {'params': sum(p.numel() for p in job.model.parameters()), 'threads': torch.get_num_threads(),
                    'torch': torch.__version__, 'torchvision': torchvision.__version__}
        job = state['job']
        if cmd == 'output':
            x = read_safetensors(req['input'])['input']
            job.model.eval()
            with torch.inference_mode():
                res = {'output': job.model(x).flatten().tolist()}
            if job.mode == 'train':
                job.model.train()
            return res
        if cmd == 'run':
            return job.run(req['warmup'], req['steps'])
        raise ValueError(f'unknown command {cmd!r}')

    jsonl_serve(handle)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--serve', action='store_true', help='answer JSON-lines requests on stdin')
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--arch', default='mobilenet_v2')
    ap.add_argument('--mode', default='forward', choices=['forward', 'train'])
    ap.add_argument('--size', type=int, default=224)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--steps', type=int, default=5)
    args = ap.parse_args()
    match_fovea(args.threads)
    if args.serve:
        serve()
        return
    res = Job(args.arch, args.mode, args.size, args.batch).run(args.warmup, args.steps)
    res.update(arch=args.arch, mode=args.mode, size=args.size, threads=torch.get_num_threads())
    print(json.dumps(res))


if __name__ == '__main__':
    main()
