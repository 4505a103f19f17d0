"""PyTorch reference for bench/decode.bench.ts: the same shapes and measurements.

GPT-2 small written out in PyTorch (HF's GPT2 math: pre-LayerNorm blocks, gelu_new, tied LM head;
the shared tooling/reference/gpt2_torch.py), random init (std 0.02), greedy decoding with a KV
cache, LM head on the last position only, prompt 16 random ids, batch 1 and batch 8: tokens/s end
to end, tokens/s of decoding alone (a 1-token run subtracted), peak RSS (ru_maxrss). Run with the
system PyTorch (1.13, OpenBLAS):

    nice /usr/bin/python3 bench/reference_decode.py          (GPTFT_BENCH_NEW=64, torch threads = 2)
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tooling", "reference"))
from gpt2_torch import GPT2, median_seconds, peak_rss_mib  # noqa: E402

torch.manual_seed(0)
torch.set_num_threads(int(os.environ.get("GPTFT_BENCH_THREADS", "2")))
NEW = int(os.environ.get("GPTFT_BENCH_NEW", "64"))
PROMPT = int(os.environ.get("GPTFT_BENCH_PROMPT", "16"))
REPS = int(os.environ.get("GPTFT_BENCH_REPS", "3"))


@torch.no_grad()
def generate(model, ids, n):
    past, step, out = None, ids, ids
    for _ in range(n):
        h, past = model(step, past, last_only=True)
        step = model.logits(h).argmax(-1, keepdim=True)
        out = torch.cat([out, step], 1)
    return out


model = GPT2().eval()
print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; GPT-2 small shape, random init, "
      f"{sum(p.numel() for p in model.parameters()):,} parameters; "
      f"prompt {PROMPT}, {NEW} new tokens, greedy, KV cache")
rows = []
results = []
for batch in (1, 8):
    g = torch.Generator().manual_seed(7 + batch)
    ids = torch.randint(0, 50257, (batch, PROMPT), generator=g)

    generate(model, ids, 2)
    prefill = median_seconds(lambda: generate(model, ids, 1), REPS, warmup=0)
    full = median_seconds(lambda: generate(model, ids, NEW), REPS, warmup=0)
    row = [f"batch {batch}", f"{batch * NEW / full:.1f} tok/s", f"{batch * (NEW - 1) / (full - prefill):.1f} tok/s",
           f"{1000 * (full - prefill) / (NEW - 1):.1f} ms", f"{prefill * 1000:.0f} ms", f"{peak_rss_mib():.0f} MB"]
    rows.append(row)
    print("  ".join(row))
    c0 = time.process_time()
    generate(model, ids, NEW)
    cpu_full = time.process_time() - c0
    c0 = time.process_time()
    generate(model, ids, 1)
    cpu_prefill = time.process_time() - c0
    results.append({"batch": batch, "decodeTokensPerSecond": batch * (NEW - 1) / (full - prefill),
                    "prefillMs": prefill * 1000, "decodeCpuMsPerStep": 1000 * (cpu_full - cpu_prefill) / (NEW - 1),
                    "prefillCpuMs": cpu_prefill * 1000, "peakRssMiB": peak_rss_mib()})
print("\n| batch | tokens/s (end to end) | tokens/s (decode only) | ms per step | prefill + 1st token | peak RSS |\n"
      "|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "results": results}))
