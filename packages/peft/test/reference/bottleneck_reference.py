"""PyTorch reference for gptft's bottleneck adapters (AdapterHub `adapters` semantics on GPT-2).

Run from the repository root with the system Python that has torch 1.13:

    /usr/bin/python3 packages/peft/test/reference/bottleneck_reference.py

It loads fixtures/gpt2-tiny-ref/gpt2-tiny, runs HF GPT-2's forward in plain torch (pre-LN blocks,
gelu_new, tied LM head; the shared tooling/reference/gpt2_torch.py) with bottleneck adapters on the
residual adds the way AdapterHub's `GPT2BlockWithAdapters` calls `BottleneckLayer(hidden_states=sub-layer output, residual_input=block input, layer_norm=None)`,
following `Adapter.pre_forward` / `forward` / `post_forward` of adapters/methods/modeling.py
(residual_before_ln=True, no adapter LayerNorms, no gating). The adapter weights are random and
non-zero (so the adapter changes the output); for each variant it writes, under
packages/peft/test/fixtures/bottleneck/<variant>/:
  adapter_config.json, adapter_model.safetensors (keys base_model.model.transformer.h.N.
  {attention,output}_adapters.adapters.<name>.adapter_{down.0,up}.{weight,bias}),
  expected.safetensors: `hidden` [T, C] (after ln_f) and `last_logits` [V] for the fixture's ids.
"""
import json
import os
import sys

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../.."))
FIX = os.path.join(ROOT, "fixtures/gpt2-tiny-ref")
OUT = os.path.join(ROOT, "packages/peft/test/fixtures/bottleneck")

sys.path.insert(0, os.path.join(ROOT, "tooling", "reference"))
from gpt2_torch import build, forward_hidden, gelu_new, read_safetensors, write_safetensors  # noqa: E402

SD = read_safetensors(os.path.join(FIX, "gpt2-tiny/model.safetensors"))
CFG = json.load(open(os.path.join(FIX, "gpt2-tiny/config.json")))
C, L, H = CFG["n_embd"], CFG["n_layer"], CFG["n_head"]
IDS = json.load(open(os.path.join(FIX, "expected.json")))["lora"]["ids"]

ACT = {
    "relu": torch.relu,
    "gelu": lambda x: torch.nn.functional.gelu(x),  # transformers' "gelu": exact erf GELU
    "gelu_new": gelu_new,
    "swish": torch.nn.functional.silu,
    "silu": torch.nn.functional.silu,
    "tanh": torch.tanh,
    "leakyrelu": torch.nn.functional.leaky_relu,
}


class RefAdapter:
    """AdapterHub's Adapter (sequential), layer_norm=None as GPT-2 passes it."""

    def __init__(self, cfg, down_w, down_b, up_w, up_b):
        self.cfg = cfg
        self.down_w, self.down_b, self.up_w, self.up_b = down_w, down_b, up_w, up_b

    def pre_forward(self, hidden_states, input_tensor):
        residual = hidden_states  # residual_before_ln is True
        if self.cfg["original_ln_before"]:
            hidden_states = hidden_states + input_tensor  # no layer_norm for GPT-2
        return hidden_states, residual

    def forward(self, x, residual_input):
        down = ACT[self.cfg["non_linearity"]](x @ self.down_w.T + self.down_b)
        up = down @ self.up_w.T + self.up_b
        up = up * self.cfg.get("scaling", 1.0)
        return up + residual_input  # dropout is identity in eval

    def post_forward(self, hidden_states, input_tensor):
        return hidden_states + input_tensor  # original_ln_after, no layer_norm

    def __call__(self, hidden_states, residual_input):
        h, res = self.pre_forward(hidden_states, residual_input)
        out = self.forward(h, res)
        return self.post_forward(out, residual_input)


def forward(adapters):
    """Hidden states after ln_f [T, C] and last-position logits [V], adapters {(layer, place): RefAdapter}."""
    m = build(SD, L)
    for (i, place), adapter in adapters.items():
        m["h"][i]["attn_residual" if place == "attention_adapters" else "mlp_residual"] = adapter
    h = forward_hidden(m, IDS, H)
    return h, h[-1] @ m["wte"].T


VARIANTS = {
    "houlsby": {
        "mh_adapter": True, "output_adapter": True, "reduction_factor": 16, "non_linearity": "swish",
        "original_ln_before": False,
    },
    "pfeiffer": {
        "mh_adapter": False, "output_adapter": True, "reduction_factor": {"0": 8, "default": 16},
        "non_linearity": "relu", "original_ln_before": True,
    },
    "gelu-scaled-leave-out": {
        "mh_adapter": True, "output_adapter": True, "reduction_factor": 32, "non_linearity": "gelu",
        "original_ln_before": False, "scaling": 0.5, "leave_out": [1],
    },
}


def main():
    torch.manual_seed(1234)
    base_h, _ = forward({})
    for name, cfg in VARIANTS.items():
        adapters, tensors = {}, {}
        for i in range(L):
            if i in cfg.get("leave_out", []):
                continue
            rf = cfg["reduction_factor"]
            rf = rf if not isinstance(rf, dict) else rf.get(str(i), rf["default"])
            d = max(1, int(C // rf))
            for place, on in (("attention_adapters", cfg["mh_adapter"]), ("output_adapters", cfg["output_adapter"])):
                if not on:
                    continue
                dw, db = torch.randn(d, C) * 0.3, torch.randn(d) * 0.1
                uw, ub = torch.randn(C, d) * 0.3, torch.randn(C) * 0.1
                adapters[(i, place)] = RefAdapter(cfg, dw, db, uw, ub)
                key = f"base_model.model.transformer.h.{i}.{place}.adapters.default"
                tensors[f"{key}.adapter_down.0.weight"] = dw
                tensors[f"{key}.adapter_down.0.bias"] = db
                tensors[f"{key}.adapter_up.weight"] = uw
                tensors[f"{key}.adapter_up.bias"] = ub
        h, logits = forward(adapters)
        assert (h - base_h).abs().max() > 1e-2, "the adapter must change the output"
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        config = {"peft_type": "BOTTLENECK", "task_type": "CAUSAL_LM", "name": "default", **cfg}
        with open(os.path.join(folder, "adapter_config.json"), "w") as f:
            json.dump(config, f, indent=2, sort_keys=True)
            f.write("\n")
        write_safetensors(os.path.join(folder, "adapter_model.safetensors"), tensors, {"format": "pt"})
        write_safetensors(os.path.join(folder, "expected.safetensors"), {"hidden": h, "last_logits": logits}, {"format": "pt"})
        print(name, "max |h - base| =", float((h - base_h).abs().max()))


if __name__ == "__main__":
    with torch.no_grad():
        main()
