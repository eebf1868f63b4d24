"""The engine settings a PyTorch reference shares with Fovea, so that a benchmark compares the
frameworks and nothing else: intra-op threads, and denormal floats flushed to zero as Fovea's
addon does when it loads (unless FOVEA_FLUSH_DENORMAL=0). Call it before any parallel torch op:
the flush setting is per thread and OpenMP workers copy it when they start."""
import os

import torch


def match_fovea(threads):
    if os.environ.get('FOVEA_FLUSH_DENORMAL', '1') != '0':
        torch.set_flush_denormal(True)
    torch.set_num_threads(threads)
