"""PyTorch reference for bench/train-step.bench.ts: the same shapes, the same training step.

GPT-2 from tooling/reference/gpt2_torch.py (HF GPT2Model math, random init std 0.02, tied LM head)
and one Trainer step as gptft's Trainer does it: shifted cross-entropy over the vocabulary, backward,
global gradient clipping to 1.0, torch.optim.AdamW (weight decay 0.01 on matrices). Optionally
per-block gradient checkpointing, and LoRA (HF PEFT's LoRA written out: frozen base, A kaiming-uniform,
B zeros, scaling alpha/r, on c_attn, attn c_proj, c_fc, mlp c_proj). Prints one JSON line.

    /usr/bin/python3 bench/reference_train_step.py SHAPE [threads] [steps] [batch]

SHAPE is tiny | small | small-b4 | lora. (`apt-get install python3-torch libopenblas0-pthread` for a
fair BLAS; see PERF-NOTES.)
"""
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tooling", "reference"))
from gpt2_torch import GPT2, peak_rss_mib  # noqa: E402

SHAPES = {
    # name: (layers, width, heads, batch, seq, gradient checkpointing, LoRA rank or 0)
    "tiny": (2, 128, 4, 4, 128, False, 0),
    "small": (12, 768, 12, 1, 128, True, 0),
    "small-b4": (12, 768, 12, 4, 128, True, 0),
    "lora": (12, 768, 12, 4, 128, True, 16),
}


class LoRALinear(torch.nn.Module):
    """PEFT's LoRA on an nn.Linear: base(x) + B(A(x)) * alpha / r, base frozen."""

    def __init__(self, base, r, alpha):
        super().__init__()
        self.base, self.scaling = base, alpha / r
        self.lora_A = torch.nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = torch.nn.Parameter(torch.zeros(base.out_features, r))
        torch.nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling


def main():
    name = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    layers, c, heads, b, t, ckpt, rank = SHAPES[name]
    if len(sys.argv) > 4:
        b = int(sys.argv[4])
    model = GPT2(layers, c, heads, checkpointing=ckpt).train()
    if rank:
        for p in model.parameters():
            p.requires_grad_(False)
        for block in model.h:
            for attr in ("c_attn", "c_proj", "c_fc", "mlp_proj"):
                setattr(block, attr, LoRALinear(getattr(block, attr), rank, 2 * rank))
        if ckpt:
            # transformers' enable_input_require_grads: reentrant checkpointing needs an input that
            # requires grad, or the frozen base would cut the LoRA parameters off the graph
            model.wte.register_forward_hook(lambda module, inputs, out: out.requires_grad_(True))
    trained = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in trained if p.dim() >= 2]
    no_decay = [p for n, p in trained if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-4)
    data = torch.randint(0, 50257, (b, t))

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model.logits(model(data)[0])
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, 50257), data[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in trained], 1.0)
        opt.step()
        return float(loss)

    step()  # warm-up (allocates the AdamW state)
    times, cpu = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    s = statistics.median(times)
    print(json.dumps({
        "config": name, "threads": threads, "batch": b, "torch": torch.__version__,
        "trainable": sum(p.numel() for _, p in trained),
        "tokensPerSecond": b * t / s, "msPerStep": s * 1000, "cpuMsPerStep": statistics.median(cpu) * 1000,
        "peakRssMiB": peak_rss_mib(),
    }))


if __name__ == "__main__":
    main()
