"""PyTorch reference for LoRA's add_weighted_adapter (HF PEFT `tuners/lora/model.py`).

Run from the repository root with the system Python that has torch 1.13:

    /usr/bin/python3 packages/peft/test/reference/lora_weighted_reference.py

PEFT itself is not installable here, so this re-implements, from HF PEFT's source, what
`LoraModel.add_weighted_adapter(adapters, weights, name, combination_type)` writes into the new
adapter's `lora_A` / `lora_B` for the combination types gptft implements:

- `linear` (`_generalized_task_arithmetic_weighted_adapter` with `task_arithmetic`): with
  s_i = weight_i * scaling_i, A = sum(sqrt(|s_i|) * sign(s_i) * A_i), B = sum(sqrt(|s_i|) * B_i);
- `cat`: A = cat(weight_i * scaling_i * A_i, dim 0), B = cat(B_i, dim 1), zero-padded to the new rank;
- `svd` (`_svd_generalized_task_arithmetic_weighted_adapter`): delta = sum(weight_i * scaling_i *
  get_delta_weight_i) (get_delta_weight already includes scaling_i, as in PEFT), transposed to
  [out, in] for Conv1D (fan_in_fan_out), U, S, Vh = torch.linalg.svd(delta, full_matrices=True),
  B = U[:, :r] @ diag(S[:r]), A = Vh[:r].

Two adapters on fixtures/gpt2-tiny-ref/gpt2-tiny are written as PEFT folders (`a`: r 4, alpha 8,
c_attn and c_fc; `b`: r 4, alpha 16, c_attn only), random and non-zero. expected.safetensors holds,
per layer `<module>` (HF module name), `linear.<module>.lora_A` / `.lora_B`, `cat.<module>.lora_A` /
`.lora_B`, and `svd.<module>.delta` (B·A·scaling_new in Conv1D's [in, out] layout, scaling_new =
lora_alpha/r = 1; singular vectors are only unique up to sign), for weights [0.7, -0.4].
"""
import json
import os
import sys

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../.."))
OUT = os.path.join(ROOT, "packages/peft/test/fixtures/weighted")
sys.path.insert(0, os.path.join(ROOT, "tooling", "reference"))
from gpt2_torch import write_safetensors  # noqa: E402

C, L = 64, 2
IN_OUT = {"attn.c_attn": (C, 3 * C), "mlp.c_fc": (C, 4 * C)}
ADAPTERS = {
    "a": {"r": 4, "lora_alpha": 8, "target_modules": ["c_attn", "c_fc"]},
    "b": {"r": 4, "lora_alpha": 16, "target_modules": ["c_attn"]},
}
WEIGHTS = [0.7, -0.4]


def main():
    torch.manual_seed(4321)
    lora = {}  # (adapter, module) -> (A [r, in], B [out, r], scaling)
    for name, cfg in ADAPTERS.items():
        tensors = {}
        for i in range(L):
            for sub, (n_in, n_out) in IN_OUT.items():
                if sub.split(".")[-1] not in cfg["target_modules"]:
                    continue
                module = f"transformer.h.{i}.{sub}"
                a = torch.randn(cfg["r"], n_in) * 0.2
                b = torch.randn(n_out, cfg["r"]) * 0.2
                lora[(name, module)] = (a, b, cfg["lora_alpha"] / cfg["r"])
                tensors[f"base_model.model.{module}.lora_A.weight"] = a
                tensors[f"base_model.model.{module}.lora_B.weight"] = b
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        config = {
            "peft_type": "LORA",
            "task_type": "CAUSAL_LM",
            "base_model_name_or_path": "../gpt2-tiny",
            "r": cfg["r"],
            "lora_alpha": cfg["lora_alpha"],
            "lora_dropout": 0.0,
            "target_modules": cfg["target_modules"],
            "fan_in_fan_out": True,
            "bias": "none",
            "inference_mode": True,
            "init_lora_weights": True,
        }
        with open(os.path.join(folder, "adapter_config.json"), "w") as f:
            json.dump(config, f, indent=2, sort_keys=True)
            f.write("\n")
        write_safetensors(os.path.join(folder, "adapter_model.safetensors"), tensors, {"format": "pt"})

    expected = {}
    modules = sorted({m for (_, m) in lora})
    for module in modules:
        present = [(n, w) for n, w in zip(ADAPTERS, WEIGHTS) if (n, module) in lora]
        # linear
        wa, wb, As, Bs = [], [], [], []
        for n, w in present:
            a, b, s = lora[(n, module)]
            ws = w * s
            sign = 1 if ws >= 0 else -1
            wa.append(abs(ws) ** 0.5 * sign)
            wb.append(abs(ws) ** 0.5)
            As.append(a)
            Bs.append(b)
        A = sum(x * t for x, t in zip(wa, As))
        B = sum(x * t for x, t in zip(wb, Bs))
        expected[f"linear.{module}.lora_A"], expected[f"linear.{module}.lora_B"] = A, B
        # cat (new rank = sum of the adapters' ranks = 8)
        r_new = sum(cfg["r"] for cfg in ADAPTERS.values())
        n_in = As[0].shape[1]
        n_out = Bs[0].shape[0]
        A = torch.zeros(r_new, n_in)
        B = torch.zeros(n_out, r_new)
        cat_a = torch.cat([lora[(n, module)][0] * w * lora[(n, module)][2] for n, w in present], 0)
        cat_b = torch.cat([lora[(n, module)][1] for n, _ in present], 1)
        A[: cat_a.shape[0]] = cat_a
        B[:, : cat_b.shape[1]] = cat_b
        expected[f"cat.{module}.lora_A"], expected[f"cat.{module}.lora_B"] = A, B
        # svd (new rank = max rank = 4)
        deltas = []
        for n, w in present:
            a, b, s = lora[(n, module)]
            get_delta_weight = (b @ a).T * s  # Conv1D layout [in, out], as PEFT's transpose(B @ A, fan_in_fan_out)
            deltas.append(get_delta_weight * (w * s))
        delta = sum(deltas).T  # back to [out, in] (fan_in_fan_out)
        U, S, Vh = torch.linalg.svd(delta, full_matrices=True)
        B = U[:, :4] @ torch.diag(S[:4])
        A = Vh[:4, :]
        # singular vectors are unique up to sign: compare the update, B·A (scaling lora_alpha/r = 1)
        expected[f"svd.{module}.delta"] = (B @ A).T
    write_safetensors(os.path.join(OUT, "expected.safetensors"), expected, {"format": "pt"})
    print("wrote", len(expected), "arrays for", modules)


if __name__ == "__main__":
    with torch.no_grad():
        main()
