"""PyTorch reference for bench/forward.bench.ts: the same shapes and measurements.

GPT-2 written out in PyTorch (HF's GPT2Model math, gelu_new, tied LM head), random weights:
forward tokens/s at batch 4 x 128 (with the LM head on every position, and backbone only),
per-token latency greedy-decoding 128 tokens with and without a KV cache, and a training step
(forward + backward + SGD) for the tiny 2x128 shape. Run with the system PyTorch:

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 bench/reference_forward.py            (OMP_NUM_THREADS=1 for one thread)
"""
import math
import resource
import statistics
import time

import torch
import torch.nn.functional as F

torch.manual_seed(0)
REPS = 3


class Block(torch.nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h, self.d = h, c // h
        self.ln_1, self.ln_2 = torch.nn.LayerNorm(c, eps=1e-5), torch.nn.LayerNorm(c, eps=1e-5)
        self.c_attn, self.c_proj = torch.nn.Linear(c, 3 * c), torch.nn.Linear(c, c)
        self.c_fc, self.mlp_proj = torch.nn.Linear(c, 4 * c), torch.nn.Linear(4 * c, c)

    def forward(self, x, past=None):
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
    def __init__(self, layers, c, heads, vocab=50257, positions=1024):
        super().__init__()
        self.wte, self.wpe = torch.nn.Embedding(vocab, c), torch.nn.Embedding(positions, c)
        self.h = torch.nn.ModuleList(Block(c, heads) for _ in range(layers))
        self.ln_f = torch.nn.LayerNorm(c, eps=1e-5)
        for p in self.parameters():
            torch.nn.init.normal_(p, std=0.02)

    def forward(self, ids, past=None):
        p = 0 if past is None else past[0][0].shape[2]
        x = self.wte(ids) + self.wpe(torch.arange(p, p + ids.shape[1]))
        presents = []
        for i, block in enumerate(self.h):
            x, kv = block(x, None if past is None else past[i])
            presents.append(kv)
        return self.ln_f(x), presents


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, reps=REPS):
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS: "
      f"{'openblas' if 'openblas' in torch.__config__.show().lower() else 'see torch.__config__'}")
rows = []
with torch.no_grad():
    model = GPT2(12, 768, 12).eval()
    print(f"parameters: {sum(p.numel() for p in model.parameters()):,}")
    ids = torch.randint(0, 50257, (4, 128))
    s = timed(lambda: model(ids)[0] @ model.wte.weight.T)
    rows.append(("forward, batch 4 x 128, with LM head", f"{512 / s:.0f} tok/s", f"{s * 1000:.0f} ms/pass"))
    s = timed(lambda: model(ids)[0])
    rows.append(("forward, batch 4 x 128, backbone only", f"{512 / s:.0f} tok/s", ""))

    def decode(cache):
        seq = [int(torch.randint(0, 50257, (1,)))]
        past = None
        t0 = time.perf_counter()
        for _ in range(128):
            inp = torch.tensor([[seq[-1]]]) if cache and past is not None else torch.tensor([seq])
            h, presents = model(inp, past if cache else None)
            past = presents
            seq.append(int((h[0, -1] @ model.wte.weight.T).argmax()))
        return (time.perf_counter() - t0) / 128

    decode(True)
    ms = decode(True) * 1000
    rows.append(("greedy decode 128 tokens, KV cache", f"{ms:.1f} ms/token", f"{1000 / ms:.1f} tok/s"))
    ms = decode(False) * 1000
    rows.append(("greedy decode 128 tokens, no cache", f"{ms:.1f} ms/token", f"{1000 / ms:.1f} tok/s"))
    del model

tiny = GPT2(2, 128, 4).train()
opt = torch.optim.SGD(tiny.parameters(), lr=1e-3)
data = torch.randint(0, 50257, (4, 129))


def step():
    opt.zero_grad()
    h, _ = tiny(data[:, :-1])
    loss = F.cross_entropy((h @ tiny.wte.weight.T).reshape(-1, 50257), data[:, 1:].reshape(-1))
    loss.backward()
    opt.step()


s = timed(step)
rows.append(("train step (fwd+bwd+SGD), tiny 2x128, batch 4 x 128", f"{512 / s:.0f} tok/s", f"{s * 1000:.0f} ms/step"))

print(f"peak RSS {peak_mb():.0f} MB\n\n| measurement (PyTorch) | value | note |\n|---|---|---|")
for r in rows:
    print(f"| {' | '.join(r)} |")
