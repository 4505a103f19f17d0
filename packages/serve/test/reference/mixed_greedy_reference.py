"""PyTorch reference for mixed-adapter serving: greedy ids of fixtures/gpt2-tiny-ref/gpt2-tiny alone
and with each LoRA adapter the serve tests load (`lora`: fixtures/gpt2-tiny-ref/lora; `a`, `b`:
packages/peft/test/fixtures/weighted/{a,b}), written to ../fixtures/mixed-greedy.json.

Run from the repository root with the system Python that has torch 1.13:

    /usr/bin/python3 packages/serve/test/reference/mixed_greedy_reference.py

LoRA as HF PEFT's `lora.Linear` on GPT-2's Conv1D (fan_in_fan_out): y = x·W + b + x·Aᵀ·Bᵀ·(lora_alpha/r),
with `lora_A` [r, in] and `lora_B` [out, r] under PEFT's keys. Each adapter decodes alone (one
sequence, no cache: the whole sequence again every step), in float32.
"""
import json
import os
import sys

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../.."))
sys.path.insert(0, os.path.join(ROOT, "tooling", "reference"))
from gpt2_torch import Conv1D, build, forward, read_safetensors  # noqa: E402

REF = os.path.join(ROOT, "fixtures/gpt2-tiny-ref")
ADAPTERS = {
    "lora": os.path.join(REF, "lora"),
    "a": os.path.join(ROOT, "packages/peft/test/fixtures/weighted/a"),
    "b": os.path.join(ROOT, "packages/peft/test/fixtures/weighted/b"),
}
PROMPTS = [[15496, 11, 616, 1438, 318], [7454, 2402, 257, 640], [464, 3290, 318, 257, 1643, 13]]
NEW = 12
MODULES = {"attn.c_attn": "c_attn", "attn.c_proj": "attn.c_proj", "mlp.c_fc": "c_fc", "mlp.c_proj": "mlp.c_proj"}


class LoraConv1D:
    def __init__(self, base, a, b, scaling):
        self.base, self.a, self.b, self.scaling = base, a, b, scaling

    def __call__(self, x):
        return self.base(x) + (x @ self.a.T @ self.b.T) * self.scaling


def with_lora(sd, n_layer, folder):
    m = build(sd, n_layer)
    cfg = json.load(open(os.path.join(folder, "adapter_config.json")))
    w = read_safetensors(os.path.join(folder, "adapter_model.safetensors"))
    scaling = cfg["lora_alpha"] / cfg["r"]
    for i, blk in enumerate(m["h"]):
        for hf, key in MODULES.items():
            p = f"base_model.model.transformer.h.{i}.{hf}."
            if p + "lora_A.weight" in w:
                blk[key] = LoraConv1D(blk[key], w[p + "lora_A.weight"], w[p + "lora_B.weight"], scaling)
    return m


def greedy(m, ids, n_head):
    ids = list(ids)
    out = []
    with torch.no_grad():
        for _ in range(NEW):
            nxt = int(forward(m, ids, n_head)[-1].argmax())
            out.append(nxt)
            ids.append(nxt)
    return out


def main():
    cfg = json.load(open(os.path.join(REF, "gpt2-tiny/config.json")))
    sd = read_safetensors(os.path.join(REF, "gpt2-tiny/model.safetensors"))
    if not any(k.startswith("transformer.") for k in sd):
        sd = {"transformer." + k: v for k, v in sd.items()}
    models = {"base": build(sd, cfg["n_layer"])}
    for name, folder in ADAPTERS.items():
        models[name] = with_lora(sd, cfg["n_layer"], folder)
    result = {
        "maxNewTokens": NEW,
        "prompts": PROMPTS,
        "greedy": {name: [greedy(m, p, cfg["n_head"]) for p in PROMPTS] for name, m in models.items()},
    }
    path = os.path.join(os.path.dirname(__file__), "../fixtures/mixed-greedy.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
