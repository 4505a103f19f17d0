"""PyTorch reference for bench/train-step.bench.ts: the same shapes, the same training step.

GPT-2 written out in PyTorch (HF GPT2Model math: pre-LN blocks, gelu_new, tied LM head), random
weights (std 0.02), and one Trainer step as gptft's Trainer does it: shifted cross-entropy over
the vocabulary, backward, global gradient clipping to 1.0, torch.optim.AdamW (weight decay 0.01).
Optionally per-block gradient checkpointing (torch.utils.checkpoint), as the TS bench uses for
the GPT-2-small shape. Prints one JSON line.

    /usr/bin/python3 bench/reference_train_step.py tiny|small [threads] [steps] [batch]

(`apt-get install python3-torch libopenblas0-pthread` for a fair BLAS; see PERF-NOTES.)
"""
import json
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torch.utils.checkpoint

SHAPES = {
    # name: (layers, width, heads, batch, seq, gradient checkpointing)
    "tiny": (2, 128, 4, 4, 128, False),
    "small": (12, 768, 12, 1, 128, True),
}


class Block(torch.nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h, self.d = h, c // h
        self.ln_1, self.ln_2 = torch.nn.LayerNorm(c, eps=1e-5), torch.nn.LayerNorm(c, eps=1e-5)
        self.c_attn, self.c_proj = torch.nn.Linear(c, 3 * c), torch.nn.Linear(c, c)
        self.c_fc, self.mlp_proj = torch.nn.Linear(c, 4 * c), torch.nn.Linear(4 * c, c)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.h, self.d).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.d)
        causal = torch.ones(t, t, dtype=torch.bool).tril()
        att = att.masked_fill(~causal, torch.finfo(att.dtype).min)
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, c)
        x = x + self.c_proj(y)
        h = self.c_fc(self.ln_2(x))
        h = 0.5 * h * (1 + torch.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h.pow(3))))
        return x + self.mlp_proj(h)


class GPT2(torch.nn.Module):
    def __init__(self, layers, c, heads, checkpointing, vocab=50257, positions=1024):
        super().__init__()
        self.checkpointing = checkpointing
        self.wte, self.wpe = torch.nn.Embedding(vocab, c), torch.nn.Embedding(positions, c)
        self.h = torch.nn.ModuleList(Block(c, heads) for _ in range(layers))
        self.ln_f = torch.nn.LayerNorm(c, eps=1e-5)
        for p in self.parameters():
            torch.nn.init.normal_(p, std=0.02)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for block in self.h:
            x = torch.utils.checkpoint.checkpoint(block, x) if self.checkpointing else block(x)
        return self.ln_f(x) @ self.wte.weight.T


def main():
    name = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    layers, c, heads, b, t, ckpt = SHAPES[name]
    if len(sys.argv) > 4:
        b = int(sys.argv[4])
    model = GPT2(layers, c, heads, ckpt).train()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-4)
    data = torch.randint(0, 50257, (b, t))

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(data)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, 50257), data[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return float(loss)

    step()  # warm-up (allocates the AdamW state)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    s = statistics.median(times)
    print(json.dumps({
        "config": name, "threads": threads, "batch": b, "torch": torch.__version__,
        "tokensPerSecond": b * t / s, "msPerStep": s * 1000,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
