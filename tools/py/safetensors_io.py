"""Reading and writing .safetensors files from Python without the safetensors package (Debian has
none): an 8-byte little-endian header length, a JSON header, then raw little-endian data. Shared
by the fixture scripts (tools/fixtures) and the benchmark references (bench/ref)."""
import json
import os
import struct

import torch

ST_DTYPES = {
    torch.float32: "F32",
    torch.float64: "F64",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}
TORCH_DTYPES = {v: k for k, v in ST_DTYPES.items()}


def tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.view(torch.int16).numpy().tobytes()  # numpy has no bfloat16
    return t.numpy().tobytes()


def save_safetensors(path, tensors, metadata=None):
    """Writes `tensors` (name -> tensor) to `path` atomically (a temporary file, then rename)."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        data = tensor_bytes(t)
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - (len(head) + 8) % 8) % 8)  # data starts 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def load_into(model, path):
    """Loads a state dict Fovea saved as safetensors into a torch module; every key must match
    (num_batches_tracked aside: Fovea may not keep it)."""
    missing, unexpected = model.load_state_dict(read_safetensors(path), strict=False)
    missing = [k for k in missing if not k.endswith('num_batches_tracked')]
    if missing or unexpected:
        raise ValueError(f'state mismatch with {type(model).__name__}: missing {missing[:5]}, unexpected {unexpected[:5]}')


def read_safetensors(path):
    """The tensors of a .safetensors file, name -> tensor."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    body = bytearray(raw[8 + n:])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = TORCH_DTYPES[info["dtype"]]
        a, b = info["data_offsets"]
        if dtype in (torch.float16, torch.bfloat16):
            t = torch.frombuffer(body[a:b], dtype=torch.int16).view(dtype) if b > a else torch.empty(0, dtype=dtype)
        else:
            t = torch.frombuffer(body[a:b], dtype=dtype) if b > a else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
    return out
