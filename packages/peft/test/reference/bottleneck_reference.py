"""PyTorch reference for gptft's bottleneck adapters (AdapterHub `adapters` semantics on GPT-2).

Run from the repository root with the system Python that has torch 1.13:

    /usr/bin/python3 packages/peft/test/reference/bottleneck_reference.py

It loads fixtures/gpt2-tiny-ref/gpt2-tiny, builds HF GPT-2's forward in plain torch (pre-LN blocks,
gelu_new, tied LM head) and adds bottleneck adapters the way AdapterHub's `GPT2BlockWithAdapters`
calls `BottleneckLayer(hidden_states=sub-layer output, residual_input=block input, layer_norm=None)`,
following `Adapter.pre_forward` / `forward` / `post_forward` of adapters/methods/modeling.py
(residual_before_ln=True, no adapter LayerNorms, no gating). The adapter weights are random and
non-zero (so the adapter changes the output); for each variant it writes, under
packages/peft/test/fixtures/bottleneck/<variant>/:
  adapter_config.json, adapter_model.safetensors (keys base_model.model.transformer.h.N.
  {attention,output}_adapters.adapters.<name>.adapter_{down.0,up}.{weight,bias}),
  expected.safetensors: `hidden` [T, C] (after ln_f) and `last_logits` [V] for the fixture's ids.
"""
import json
import math
import os
import struct

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../.."))
FIX = os.path.join(ROOT, "fixtures/gpt2-tiny-ref")
OUT = os.path.join(ROOT, "packages/peft/test/fixtures/bottleneck")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        assert v["dtype"] == "F32", v["dtype"]
        out[k] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(v["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    off = 0
    for k in sorted(tensors):
        t = tensors[k].contiguous().to(torch.float32)
        b = t.numpy().tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


W = read_safetensors(os.path.join(FIX, "gpt2-tiny/model.safetensors"))
W = {k[len("transformer."):] if k.startswith("transformer.") else k: v for k, v in W.items()}
CFG = json.load(open(os.path.join(FIX, "gpt2-tiny/config.json")))
C, L, H = CFG["n_embd"], CFG["n_layer"], CFG["n_head"]
IDS = json.load(open(os.path.join(FIX, "expected.json")))["lora"]["ids"]


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACT = {
    "relu": torch.relu,
    "gelu": lambda x: torch.nn.functional.gelu(x),  # transformers' "gelu": exact erf GELU
    "gelu_new": gelu_new,
    "swish": torch.nn.functional.silu,
    "silu": torch.nn.functional.silu,
    "tanh": torch.tanh,
    "leakyrelu": torch.nn.functional.leaky_relu,
}


def ln(x, p):
    return torch.nn.functional.layer_norm(x, (C,), W[p + ".weight"], W[p + ".bias"], 1e-5)


def conv1d(x, p):
    return x @ W[p + ".weight"] + W[p + ".bias"]


def attn(x, i):
    T = x.shape[0]
    q, k, v = conv1d(x, f"h.{i}.attn.c_attn").split(C, dim=-1)
    d = C // H
    q, k, v = (z.view(T, H, d).transpose(0, 1) for z in (q, k, v))
    s = q @ k.transpose(-1, -2) / math.sqrt(d)
    s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), torch.finfo(s.dtype).min)
    o = (torch.softmax(s, -1) @ v).transpose(0, 1).reshape(T, C)
    return conv1d(o, f"h.{i}.attn.c_proj")


def mlp(x, i):
    return conv1d(gelu_new(conv1d(x, f"h.{i}.mlp.c_fc")), f"h.{i}.mlp.c_proj")


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
    x = W["wte.weight"][IDS] + W["wpe.weight"][: len(IDS)]
    for i in range(L):
        residual = x
        a = attn(ln(x, f"h.{i}.ln_1"), i)
        x = adapters[(i, "attention_adapters")](a, residual) if (i, "attention_adapters") in adapters else a + residual
        residual = x
        m = mlp(ln(x, f"h.{i}.ln_2"), i)
        x = adapters[(i, "output_adapters")](m, residual) if (i, "output_adapters") in adapters else m + residual
    h = ln(x, "ln_f")
    return h, h[-1] @ W["wte.weight"].T


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
        write_safetensors(os.path.join(folder, "adapter_model.safetensors"), tensors)
        write_safetensors(os.path.join(folder, "expected.safetensors"), {"hidden": h, "last_logits": logits})
        print(name, "max |h - base| =", float((h - base_h).abs().max()))


if __name__ == "__main__":
    with torch.no_grad():
        main()
