"""PyTorch reference for IA³ on the gpt2-tiny fixture (fixtures/gpt2-tiny-ref/gpt2-tiny).

Writes, next to this file's test folder:
  test/fixtures/ia3/adapter_config.json        an IA3 adapter as HF PEFT saves it (sorted keys)
  test/fixtures/ia3/adapter_model.safetensors  non-trivial IA³ vectors under PEFT's key names
  test/fixtures/ia3-expected.json              input ids, loss
  test/fixtures/ia3-expected.safetensors       logits with the adapter, merged weights

How it was run (torch 1.13.1 from Debian, no transformers/peft installed):
  /usr/bin/python3 packages/peft-ia3/test/reference/ia3_reference.py

GPT-2 is written out in plain torch in tooling/reference/gpt2_torch.py (HF's GPT2Model math: Conv1D = x·W + b, gelu_new,
pre-LN blocks, causal softmax attention, tied LM head). Before computing anything for IA³ the
script checks that this GPT-2 reproduces the fixture's own PyTorch numbers (`lm` logits and the
`lora` logits in expected.safetensors) to 1e-4, so the reference model is not checked against
itself. IA³ follows HF PEFT's src/peft/tuners/ia3/layer.py (`Linear.forward`, `Linear.merge`)
with `fan_in_fan_out=True` as PEFT sets it for GPT-2's Conv1D:
  - non-feedforward target: ia3_l has shape (out_features, 1); result = base(x) * ia3_l.flatten()
  - feedforward target:     ia3_l has shape (1, in_features);  result = base(x * ia3_l.flatten())
  - merge: W = W * transpose(ia3_l) (Conv1D W is [in, out]); non-feedforward also b = b * ia3_l.
"""

import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
FIX = os.path.join(REPO, "fixtures", "gpt2-tiny-ref")
OUT = os.path.abspath(os.path.join(HERE, "..", "fixtures"))

sys.path.insert(0, os.path.join(REPO, "tooling", "reference"))
from gpt2_torch import Conv1D, build, forward, read_safetensors, write_safetensors  # noqa: E402


class IA3Conv1D:
    """HF PEFT's ia3.Linear around a Conv1D (fan_in_fan_out=True)."""

    def __init__(self, base, ia3_l, is_feedforward):
        self.base, self.ia3_l, self.is_feedforward = base, ia3_l, is_feedforward

    def __call__(self, x):
        scaling = self.ia3_l.flatten()
        if self.is_feedforward:
            return self.base(x * scaling)
        return self.base(x) * scaling

    def merged(self):
        """Linear.merge: weight * transpose(ia3_l, fan_in_fan_out); bias * ia3_l unless feedforward."""
        w = self.base.weight * self.ia3_l.T
        b = self.base.bias if self.is_feedforward else self.base.bias * self.ia3_l.reshape(self.base.bias.shape)
        return w, b


def main():
    torch.manual_seed(0)
    cfg = json.load(open(os.path.join(FIX, "gpt2-tiny", "config.json")))
    n_layer, n_head = cfg["n_layer"], cfg["n_head"]
    sd = read_safetensors(os.path.join(FIX, "gpt2-tiny", "model.safetensors"))
    want = read_safetensors(os.path.join(FIX, "expected.safetensors"))
    exp = json.load(open(os.path.join(FIX, "expected.json")))

    # 1. The reference GPT-2 reproduces the fixture's PyTorch numbers.
    for j, item in enumerate(exp["lm"]):
        logits = forward(build(sd, n_layer), item["ids"], n_head)
        err = (logits[-1] - want[f"lm.f32.{j}.last_logits"]).abs().max().item()
        assert err < 1e-4, f"lm text {j}: last logits differ by {err}"
    lora = read_safetensors(os.path.join(FIX, "lora", "adapter_model.safetensors"))
    m = build(sd, n_layer)
    scale = exp["lora"]["lora_alpha"] / exp["lora"]["r"]
    for i, blk in enumerate(m["h"]):
        k = f"base_model.model.transformer.h.{i}.attn.c_attn."
        a, b = lora[k + "lora_A.weight"], lora[k + "lora_B.weight"]
        base = blk["c_attn"]
        blk["c_attn"] = lambda x, base=base, a=a, b=b: base(x) + (x @ a.T @ b.T) * scale
    err = (forward(m, exp["lora"]["ids"], n_head) - want["lora.logits"].reshape(len(exp["lora"]["ids"]), -1)).abs().max().item()
    assert err < 1e-4, f"lora logits differ by {err}"
    print(f"reference GPT-2 reproduces the fixture (lm and lora logits, max err {err:.2e})")

    # 2. IA³ with non-trivial vectors (PEFT's GPT-2 defaults: c_attn scales outputs, mlp.c_proj inputs).
    g = torch.Generator().manual_seed(1234)
    c = cfg["n_embd"]
    adapter = {}
    m = build(sd, n_layer)
    for i, blk in enumerate(m["h"]):
        l_attn = 1.0 + 0.5 * torch.randn((3 * c, 1), generator=g)  # (out_features, 1)
        l_mlp = 1.0 + 0.5 * torch.randn((1, 4 * c), generator=g)  # (1, in_features)
        adapter[f"base_model.model.transformer.h.{i}.attn.c_attn.ia3_l"] = l_attn
        adapter[f"base_model.model.transformer.h.{i}.mlp.c_proj.ia3_l"] = l_mlp
        blk["c_attn"] = IA3Conv1D(blk["c_attn"], l_attn, is_feedforward=False)
        blk["mlp.c_proj"] = IA3Conv1D(blk["mlp.c_proj"], l_mlp, is_feedforward=True)
    ids = exp["lora"]["ids"] + [257, 1310, 13]  # the fixture's LoRA input + three more GPT-2 ids
    logits = forward(m, ids, n_head)
    lse = torch.logsumexp(logits[:-1], -1)
    loss = (lse - logits[:-1].gather(1, torch.tensor(ids[1:]).unsqueeze(1)).squeeze(1)).mean().item()

    expected = {"ia3.logits": logits}
    merged = build(sd, n_layer)
    for i, blk in enumerate(m["h"]):
        w, b = blk["c_attn"].merged()
        expected[f"ia3.merged.h.{i}.attn.c_attn.weight"] = w
        expected[f"ia3.merged.h.{i}.attn.c_attn.bias"] = b
        w, b = blk["mlp.c_proj"].merged()
        expected[f"ia3.merged.h.{i}.mlp.c_proj.weight"] = w
        expected[f"ia3.merged.h.{i}.mlp.c_proj.bias"] = b
        merged["h"][i]["c_attn"] = Conv1D(*blk["c_attn"].merged())
        merged["h"][i]["mlp.c_proj"] = Conv1D(*blk["mlp.c_proj"].merged())
    err = (forward(merged, ids, n_head) - logits).abs().max().item()
    assert err < 1e-4, f"merged model differs from IA³ forward by {err}"
    base_logits = forward(build(sd, n_layer), ids, n_head)
    assert (base_logits - logits).abs().max().item() > 1e-2, "IA³ vectors had no effect"

    config = {
        "auto_mapping": None,
        "base_model_name_or_path": "../gpt2-tiny",
        "exclude_modules": None,
        "fan_in_fan_out": True,
        "feedforward_modules": ["mlp.c_proj"],
        "inference_mode": True,
        "init_ia3_weights": True,
        "modules_to_save": None,
        "peft_type": "IA3",
        "revision": None,
        "target_modules": ["c_attn", "mlp.c_proj"],
        "task_type": "CAUSAL_LM",
    }
    os.makedirs(os.path.join(OUT, "ia3"), exist_ok=True)
    with open(os.path.join(OUT, "ia3", "adapter_config.json"), "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True) + "\n")
    write_safetensors(
        os.path.join(OUT, "ia3", "adapter_model.safetensors"), adapter, {"format": "pt"}, metadata_first=False
    )
    write_safetensors(os.path.join(OUT, "ia3-expected.safetensors"), expected)
    with open(os.path.join(OUT, "ia3-expected.json"), "w") as f:
        json.dump({"ids": ids, "loss": loss, "merged_vs_unmerged_max_err": err}, f, indent=2)
        f.write("\n")
    print(f"wrote {OUT}: loss {loss:.6f}, merged-vs-adapter logits max err {err:.2e}")


if __name__ == "__main__":
    main()
