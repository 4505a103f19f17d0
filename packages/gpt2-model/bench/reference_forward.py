"""PyTorch reference for bench/forward.bench.ts: the same shapes and measurements.

GPT-2 written out in PyTorch (HF's GPT2Model math, gelu_new, tied LM head; the shared
tooling/reference/gpt2_torch.py), random weights:
forward tokens/s at batch 4 x 128 (with the LM head on every position, and backbone only),
per-token latency greedy-decoding 128 tokens with and without a KV cache, and a training step
(forward + backward + SGD) for the tiny 2x128 shape. Run with the system PyTorch:

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 bench/reference_forward.py            (OMP_NUM_THREADS=1 for one thread)
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tooling", "reference"))
from gpt2_torch import GPT2, median_seconds, peak_rss_mib  # noqa: E402

torch.manual_seed(0)
REPS = 3


print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS: "
      f"{'openblas' if 'openblas' in torch.__config__.show().lower() else 'see torch.__config__'}")
rows = []
with torch.no_grad():
    model = GPT2(12, 768, 12).eval()
    print(f"parameters: {sum(p.numel() for p in model.parameters()):,}")
    ids = torch.randint(0, 50257, (4, 128))
    s = median_seconds(lambda: model(ids)[0] @ model.wte.weight.T, REPS)
    rows.append(("forward, batch 4 x 128, with LM head", f"{512 / s:.0f} tok/s", f"{s * 1000:.0f} ms/pass"))
    s = median_seconds(lambda: model(ids)[0], REPS)
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


s = median_seconds(step, REPS)
rows.append(("train step (fwd+bwd+SGD), tiny 2x128, batch 4 x 128", f"{512 / s:.0f} tok/s", f"{s * 1000:.0f} ms/step"))

print(f"peak RSS {peak_rss_mib():.0f} MB\n\n| measurement (PyTorch) | value | note |\n|---|---|---|")
for r in rows:
    print(f"| {' | '.join(r)} |")
