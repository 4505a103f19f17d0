"""PyTorch reference for bench/decode.bench.ts: the same shapes and measurements.

GPT-2 small written out in PyTorch (HF's GPT2 math: pre-LayerNorm blocks, gelu_new, tied LM head),
random init (std 0.02), greedy decoding with a KV cache, LM head on the last position only, prompt
16 random ids, batch 1 and batch 8: tokens/s end to end, tokens/s of decoding alone (a 1-token
run subtracted), peak RSS (ru_maxrss). Run with the system PyTorch (1.13, OpenBLAS):

    nice /usr/bin/python3 bench/reference_decode.py          (GPTFT_BENCH_NEW=64, torch threads = 2)
"""
import math
import os
import resource
import statistics
import time

import torch

torch.manual_seed(0)
torch.set_num_threads(int(os.environ.get("GPTFT_BENCH_THREADS", "2")))
NEW = int(os.environ.get("GPTFT_BENCH_NEW", "64"))
PROMPT = int(os.environ.get("GPTFT_BENCH_PROMPT", "16"))
REPS = int(os.environ.get("GPTFT_BENCH_REPS", "3"))


class Block(torch.nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h, self.d = h, c // h
        self.ln_1, self.ln_2 = torch.nn.LayerNorm(c, eps=1e-5), torch.nn.LayerNorm(c, eps=1e-5)
        self.c_attn, self.c_proj = torch.nn.Linear(c, 3 * c), torch.nn.Linear(c, c)
        self.c_fc, self.mlp_proj = torch.nn.Linear(c, 4 * c), torch.nn.Linear(4 * c, c)

    def forward(self, x, past):
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


class GPT2LMHead(torch.nn.Module):
    def __init__(self, layers=12, c=768, heads=12, vocab=50257, positions=1024):
        super().__init__()
        self.wte, self.wpe = torch.nn.Embedding(vocab, c), torch.nn.Embedding(positions, c)
        self.h = torch.nn.ModuleList(Block(c, heads) for _ in range(layers))
        self.ln_f = torch.nn.LayerNorm(c, eps=1e-5)
        for p in self.parameters():
            torch.nn.init.normal_(p, std=0.02)

    def forward(self, ids, past):
        p = 0 if past is None else past[0][0].shape[2]
        x = self.wte(ids) + self.wpe(torch.arange(p, p + ids.shape[1]))
        presents = []
        for i, block in enumerate(self.h):
            x, kv = block(x, None if past is None else past[i])
            presents.append(kv)
        last = self.ln_f(x[:, -1])
        return last @ self.wte.weight.T, presents


@torch.no_grad()
def generate(model, ids, n):
    past, step, out = None, ids, ids
    for _ in range(n):
        logits, past = model(step, past)
        step = logits.argmax(-1, keepdim=True)
        out = torch.cat([out, step], 1)
    return out


model = GPT2LMHead().eval()
print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; GPT-2 small shape, random init, "
      f"{sum(p.numel() for p in model.parameters()):,} parameters; "
      f"prompt {PROMPT}, {NEW} new tokens, greedy, KV cache")
rows = []
for batch in (1, 8):
    g = torch.Generator().manual_seed(7 + batch)
    ids = torch.randint(0, 50257, (batch, PROMPT), generator=g)

    def timed(n):
        t0 = time.perf_counter()
        generate(model, ids, n)
        return time.perf_counter() - t0

    timed(2)
    prefill = statistics.median(timed(1) for _ in range(REPS))
    full = statistics.median(timed(NEW) for _ in range(REPS))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    row = [f"batch {batch}", f"{batch * NEW / full:.1f} tok/s", f"{batch * (NEW - 1) / (full - prefill):.1f} tok/s",
           f"{1000 * (full - prefill) / (NEW - 1):.1f} ms", f"{prefill * 1000:.0f} ms", f"{rss / 2**20:.0f} MB"]
    rows.append(row)
    print("  ".join(row))
print("\n| batch | tokens/s (end to end) | tokens/s (decode only) | ms per step | prefill + 1st token | peak RSS |\n"
      "|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
