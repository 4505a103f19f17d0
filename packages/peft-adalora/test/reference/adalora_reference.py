"""PyTorch reference for @gptft/peft-adalora on the gpt2-tiny fixture (fixtures/gpt2-tiny-ref).

Run from the repository root (torch 1.13.1 from Debian, no transformers/peft installed):

    /usr/bin/python3 packages/peft-adalora/test/reference/adalora_reference.py

GPT-2 is tooling/reference/gpt2_torch.py (checked first against the fixture's own PyTorch logits);
AdaLoRA is tooling/reference/adalora_torch.py, re-implemented from HF PEFT's tuners/adalora/*.py.
An AdaLoRA adapter on c_attn of both layers (init_r 4, target_r 2, lora_alpha 8, tinit 2,
tfinal 3, deltaT 2, total_step 10, orth_reg_weight 0.5, beta1 = beta2 = 0.85) starts from random,
non-zero A, E, B and trains 10 steps as HF Trainer + PEFT's documented loop would: loss = next-token
cross-entropy + orth_reg_weight · orthogonal regulariser; backward; clip_grad_norm_(1.0);
AdamW(lr 1e-2, betas 0.9/0.999, eps 1e-8, weight decay 0); update_and_allocate(step); zero_grad.
Batches alternate between the fixture's `lm` texts 1 and 2 (batch of one).

Writes under packages/peft-adalora/test/fixtures/:
  init/     the starting adapter as PEFT saves it (adapter_config.json, adapter_model.safetensors)
  trained/  the trained adapter as PEFT saves it: tensors pruned by the rank pattern, which is in
            the config (keys without the adapter name)
  expected.json          losses of the 10 steps, the loss of the init adapter on text 1 (with the
                         regulariser), the rank pattern after each step (null before the first)
  expected.safetensors   init.last_logits [V] (last position of text 1), init.merged.h.N.attn.c_attn.weight,
                         final.<module>.lora_{A,E,B} (full size, after the last step),
                         trained.last_logits [V] (text 1, the pruned adapter reloaded)
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
from adalora_torch import RankAllocator, SVDConv1D, orth_reg, saved_state_dict, update_and_allocate  # noqa: E402
from gpt2_torch import Conv1D, build, forward, read_safetensors, write_safetensors  # noqa: E402

CFG = {
    "peft_type": "ADALORA",
    "task_type": "CAUSAL_LM",
    "base_model_name_or_path": "../gpt2-tiny",
    "auto_mapping": None,
    "revision": None,
    "inference_mode": True,
    "r": 8,
    "lora_alpha": 8,
    "lora_dropout": 0.0,
    "target_modules": ["c_attn"],
    "exclude_modules": None,
    "fan_in_fan_out": True,
    "bias": "none",
    "use_rslora": False,
    "modules_to_save": None,
    "init_lora_weights": True,
    "layers_to_transform": None,
    "layers_pattern": None,
    "rank_pattern": None,
    "alpha_pattern": {},
    "use_dora": False,
    "target_r": 2,
    "init_r": 4,
    "tinit": 2,
    "tfinal": 3,
    "deltaT": 2,
    "beta1": 0.85,
    "beta2": 0.85,
    "orth_reg_weight": 0.5,
    "total_step": 10,
}


def ce(logits, ids):
    lse = torch.logsumexp(logits[:-1], -1)
    return (lse - logits[:-1].gather(1, torch.tensor(ids[1:]).unsqueeze(1)).squeeze(1)).mean()


def write_adapter(folder, cfg, tensors):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        f.write(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    write_safetensors(os.path.join(folder, "adapter_model.safetensors"), tensors, {"format": "pt"})


def main():
    cfg_model = json.load(open(os.path.join(FIX, "gpt2-tiny", "config.json")))
    n_layer, n_head, c = cfg_model["n_layer"], cfg_model["n_head"], cfg_model["n_embd"]
    sd = read_safetensors(os.path.join(FIX, "gpt2-tiny", "model.safetensors"))
    want = read_safetensors(os.path.join(FIX, "expected.safetensors"))
    exp = json.load(open(os.path.join(FIX, "expected.json")))
    for j, item in enumerate(exp["lm"]):
        err = (forward(build(sd, n_layer), item["ids"], n_head)[-1] - want[f"lm.f32.{j}.last_logits"]).abs().max().item()
        assert err < 1e-4, f"lm text {j}: last logits differ by {err}"
    print("reference GPT-2 reproduces the fixture's lm logits")

    texts = [exp["lm"][1]["ids"], exp["lm"][2]["ids"]]
    g = torch.Generator().manual_seed(2024)
    r = CFG["init_r"]
    params = {}  # PEFT model names: transformer.h.N.attn.c_attn.lora_X.default
    for i in range(n_layer):
        mod = f"transformer.h.{i}.attn.c_attn"
        params[f"{mod}.lora_A.default"] = (0.3 * torch.randn(r, c, generator=g)).requires_grad_()
        params[f"{mod}.lora_B.default"] = (0.3 * torch.randn(3 * c, r, generator=g)).requires_grad_()
        params[f"{mod}.lora_E.default"] = (0.5 * torch.randn(r, 1, generator=g)).requires_grad_()
    init_sd, _ = saved_state_dict(params, None)
    write_adapter(os.path.join(OUT, "init"), CFG, init_sd)

    def model_with(ps):
        m = build(sd, n_layer)
        layers = []
        for i, blk in enumerate(m["h"]):
            mod = f"transformer.h.{i}.attn.c_attn"
            a, e, b = (ps[f"{mod}.lora_{k}.default"] for k in "AEB")
            blk["c_attn"] = SVDConv1D(blk["c_attn"], a, e, b, CFG["lora_alpha"], r)
            layers.append(blk["c_attn"])
        return m, layers

    expected = {}
    out = {}
    with torch.no_grad():
        m, layers = model_with(params)
        logits = forward(m, texts[0], n_head)
        expected["init.last_logits"] = logits[-1]
        out["init_loss"] = (ce(logits, texts[0]) + CFG["orth_reg_weight"] * orth_reg(layers)).item()
        for i, lay in enumerate(layers):
            expected[f"init.merged.h.{i}.attn.c_attn.weight"] = lay.base.weight + lay.delta_weight()
        assert (logits - forward(build(sd, n_layer), texts[0], n_head)).abs().max() > 1e-2, "adapter has no effect"

    cfg = dict(CFG)
    allocator = RankAllocator(cfg, params)
    opt = torch.optim.AdamW(list(params.values()), lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    losses, patterns = [], []
    for step in range(cfg["total_step"]):
        ids = texts[step % 2]
        m, layers = model_with(params)
        loss = ce(forward(m, ids, n_head), ids) + cfg["orth_reg_weight"] * orth_reg(layers)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)
        opt.step()
        with torch.no_grad():
            grads = {n: p.grad for n, p in params.items()}
            rp = update_and_allocate(allocator, cfg, params, grads, step)
        opt.zero_grad()
        losses.append(loss.item())
        patterns.append(None if rp is None else {k: list(v) for k, v in rp.items()})
    out["losses"] = losses
    out["rank_patterns"] = patterns
    for n, p in params.items():
        expected["final." + n.replace(".default", "")] = p.detach()

    trained_sd, pattern = saved_state_dict(params, cfg["rank_pattern"])
    trained_cfg = dict(CFG, rank_pattern=pattern)
    write_adapter(os.path.join(OUT, "trained"), trained_cfg, trained_sd)
    # reload as PEFT does: modules resized to the pattern's ranks, ranknum kept at init_r
    with torch.no_grad():
        m = build(sd, n_layer)
        for i, blk in enumerate(m["h"]):
            k = f"base_model.model.transformer.h.{i}.attn.c_attn."
            lay = SVDConv1D(blk["c_attn"], trained_sd[k + "lora_A"], trained_sd[k + "lora_E"], trained_sd[k + "lora_B"], CFG["lora_alpha"], r)
            blk["c_attn"] = lay
        trained_logits = forward(m, texts[0], n_head)
        expected["trained.last_logits"] = trained_logits[-1]
        m_full, _ = model_with(params)
        err = (forward(m_full, texts[0], n_head) - trained_logits).abs().max().item()
        assert err < 1e-5, f"pruned adapter differs from the masked one by {err}"
    out["ids"] = texts
    write_safetensors(os.path.join(OUT, "expected.safetensors"), expected, {"format": "pt"})
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print("losses", [round(x, 5) for x in losses])
    print("rank pattern", pattern)


if __name__ == "__main__":
    main()
