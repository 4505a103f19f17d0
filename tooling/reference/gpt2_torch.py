"""Shared PyTorch reference code for the packages' reference scripts (dev-only, not published).

GPT-2 written out in plain torch, following HF transformers' GPT2Model math: pre-LayerNorm blocks
(eps 1e-5), Conv1D (y = x·W + b, W is [in, out]), causal softmax attention, gelu_new, tied LM head.
No transformers/peft needed; torch 1.13 (`/usr/bin/python3`) is enough.

Two forms, one per use:
  - `GPT2`: a torch.nn.Module with random init (std 0.02), batched, optional KV cache and optional
    per-block gradient checkpointing — for the benchmark references (bench/reference_*.py).
  - `build` + `forward`: a functional GPT-2 over a loaded HF state dict (one sequence, no batch)
    whose Conv1D layers are plain callables a script can replace (LoRA, IA³) and whose residual adds
    can be hooked (bottleneck adapters) — for the fixture generators (test/reference/*.py).
Plus a minimal safetensors reader/writer and small benchmark helpers.

Use it from a script with
    sys.path.insert(0, os.path.join(REPO, "tooling", "reference"))
    import gpt2_torch
"""

import json
import math
import os
import resource
import statistics
import struct
import time

import torch
import torch.utils.checkpoint

# ---------------------------------------------------------------------------------------------
# safetensors

SAFETENSORS_DTYPES = {"F32": torch.float32, "F16": torch.float16}


def read_safetensors(path):
    """A minimal safetensors reader (8-byte LE header length, JSON header, raw little-endian data).

    Returns {name: float32 tensor}; F32 and F16 tensors are read, `__metadata__` is skipped.
    """
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in SAFETENSORS_DTYPES:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, expected F32 or F16")
        a, b = info["data_offsets"]
        buf = bytearray(raw[base + a : base + b])
        t = torch.frombuffer(buf, dtype=SAFETENSORS_DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = t.to(torch.float32)
    return out


def write_safetensors(path, tensors, metadata=None, metadata_first=True):
    """A minimal safetensors writer: F32, tensor keys sorted as safetensors' Python writer does.

    `metadata` (a str→str dict) goes under `__metadata__`, first in the header unless
    `metadata_first=False` (kept for fixtures written that way before). Creates the folder.
    """
    header = {}
    if metadata and metadata_first:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = bytes(t.reshape(-1).view(torch.uint8).tolist())  # no numpy needed
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata and not metadata_first:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------------------------------------
# math shared by both forms


def gelu_new(x):
    """HF's gelu_new (tanh approximation), GPT-2's activation."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def layer_norm(x, w, b, eps=1e-5):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


# ---------------------------------------------------------------------------------------------
# functional GPT-2 over an HF state dict (fixture generators)


class Conv1D:
    """HF's Conv1D: weight [in, out], y = x·W + b."""

    def __init__(self, w, b):
        self.weight, self.bias = w, b

    def __call__(self, x):
        return x @ self.weight + self.bias


def build(sd, n_layer, prefix="transformer."):
    """The model as a dict of tensors and callables, from an HF GPT-2 state dict.

    Each block holds `ln_1`, `ln_2` (weight, bias), the Conv1D callables `c_attn`, `attn.c_proj`,
    `c_fc`, `mlp.c_proj` (replace one to wrap it), and optional residual hooks `attn_residual`,
    `mlp_residual`: f(sublayer_output, residual) -> new hidden states (default: their sum).
    """
    m = {"wte": sd[prefix + "wte.weight"], "wpe": sd[prefix + "wpe.weight"], "h": []}
    for i in range(n_layer):
        p = f"{prefix}h.{i}."
        m["h"].append(
            {
                "ln_1": (sd[p + "ln_1.weight"], sd[p + "ln_1.bias"]),
                "ln_2": (sd[p + "ln_2.weight"], sd[p + "ln_2.bias"]),
                "c_attn": Conv1D(sd[p + "attn.c_attn.weight"], sd[p + "attn.c_attn.bias"]),
                "attn.c_proj": Conv1D(sd[p + "attn.c_proj.weight"], sd[p + "attn.c_proj.bias"]),
                "c_fc": Conv1D(sd[p + "mlp.c_fc.weight"], sd[p + "mlp.c_fc.bias"]),
                "mlp.c_proj": Conv1D(sd[p + "mlp.c_proj.weight"], sd[p + "mlp.c_proj.bias"]),
            }
        )
    m["ln_f"] = (sd[prefix + "ln_f.weight"], sd[prefix + "ln_f.bias"])
    return m


def forward_hidden(m, ids, n_head):
    """Hidden states after ln_f, [T, C], for one sequence of ids."""
    t = len(ids)
    x = m["wte"][torch.tensor(ids)] + m["wpe"][torch.arange(t)]
    c = x.shape[-1]
    d = c // n_head
    mask = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for blk in m["h"]:
        h = layer_norm(x, *blk["ln_1"])
        q, k, v = blk["c_attn"](h).split(c, dim=-1)
        q, k, v = (z.reshape(t, n_head, d).transpose(0, 1) for z in (q, k, v))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        att = att.masked_fill(~mask, torch.finfo(att.dtype).min).softmax(-1)
        a = blk["attn.c_proj"]((att @ v).transpose(0, 1).reshape(t, c))
        x = blk["attn_residual"](a, x) if "attn_residual" in blk else x + a
        h = layer_norm(x, *blk["ln_2"])
        o = blk["mlp.c_proj"](gelu_new(blk["c_fc"](h)))
        x = blk["mlp_residual"](o, x) if "mlp_residual" in blk else x + o
    return layer_norm(x, *m["ln_f"])


def forward(m, ids, n_head):
    """LM logits [T, V] (tied head) for one sequence of ids."""
    return forward_hidden(m, ids, n_head) @ m["wte"].T


# ---------------------------------------------------------------------------------------------
# nn.Module GPT-2 with random weights (benchmark references)


class Block(torch.nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h, self.d = h, c // h
        self.ln_1, self.ln_2 = torch.nn.LayerNorm(c, eps=1e-5), torch.nn.LayerNorm(c, eps=1e-5)
        self.c_attn, self.c_proj = torch.nn.Linear(c, 3 * c), torch.nn.Linear(c, c)
        self.c_fc, self.mlp_proj = torch.nn.Linear(c, 4 * c), torch.nn.Linear(4 * c, c)

    def forward(self, x, past=None):
        """Returns (hidden states, (keys, values)); `past` is this block's cached (keys, values)."""
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.h, self.d).transpose(1, 2) for z in (q, k, v))
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        s = k.shape[2]
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.d)
        if t > 1:
            causal = torch.ones(t, s, dtype=torch.bool).tril(s - t)
            att = att.masked_fill(~causal, torch.finfo(att.dtype).min)
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, c)
        x = x + self.c_proj(y)
        h = self.c_fc(self.ln_2(x))
        h = 0.5 * h * (1 + torch.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h.pow(3))))
        return x + self.mlp_proj(h), (k, v)


class GPT2(torch.nn.Module):
    """GPT-2 (no LM head module: the head is tied, `logits(h)`), random init N(0, 0.02) of every
    parameter, drawn in module order from torch's global generator (seed it first)."""

    def __init__(self, layers=12, c=768, heads=12, vocab=50257, positions=1024, checkpointing=False):
        super().__init__()
        self.checkpointing = checkpointing
        self.wte, self.wpe = torch.nn.Embedding(vocab, c), torch.nn.Embedding(positions, c)
        self.h = torch.nn.ModuleList(Block(c, heads) for _ in range(layers))
        self.ln_f = torch.nn.LayerNorm(c, eps=1e-5)
        for p in self.parameters():
            torch.nn.init.normal_(p, std=0.02)

    def forward(self, ids, past=None, last_only=False):
        """Returns (hidden states after ln_f, presents). `last_only`: ln_f on the last position only
        ([B, C]). With `checkpointing` (training), each block is recomputed in backward
        (torch.utils.checkpoint) and no cache is kept (`presents` is None)."""
        p = 0 if past is None else past[0][0].shape[2]
        x = self.wte(ids) + self.wpe(torch.arange(p, p + ids.shape[1]))
        presents = None if self.checkpointing else []
        for i, block in enumerate(self.h):
            if self.checkpointing:
                x = torch.utils.checkpoint.checkpoint(lambda y, block=block: block(y)[0], x)
                continue
            x, kv = block(x, None if past is None else past[i])
            presents.append(kv)
        return self.ln_f(x[:, -1] if last_only else x), presents

    def logits(self, h):
        """The tied LM head."""
        return h @ self.wte.weight.T


# ---------------------------------------------------------------------------------------------
# benchmark helpers


def peak_rss_mib():
    """Peak resident set size of this process so far (ru_maxrss, KiB on Linux), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_seconds(fn, reps=3, warmup=1):
    """Median wall time of `reps` calls of fn() after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
