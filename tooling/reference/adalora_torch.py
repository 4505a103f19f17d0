"""AdaLoRA in plain torch, re-implemented from HF PEFT's source (dev-only, not published).

PEFT itself is not installable here; this follows, line by line, what `src/peft/tuners/adalora/`
of huggingface/peft computes (layer.py `SVDLinear`, `RankAllocator`; model.py `AdaLoraModel.forward`,
`update_and_allocate`, `resize_state_dict_by_rank_pattern`, `_get_adapter_state_dict`):

- SVDLinear around a Conv1D (fan_in_fan_out=True): lora_A [r, in], lora_E [r, 1], lora_B [out, r],
  ranknum = r (not saved), scaling = lora_alpha if lora_alpha > 0 else r;
  y = base(x) + (dropout(x) @ (A * E).T @ B.T) * scaling / (ranknum + 1e-5);
  delta weight = transpose(B @ (A * E), fan_in_fan_out) * scaling / (ranknum + 1e-5).
- The orthogonal regularisation added to the loss: for every lora_A / lora_B of the trainable
  adapter, ||A·Aᵀ − I||_F and ||Bᵀ·B − I||_F, averaged over those matrices, times orth_reg_weight.
- RankAllocator: importance |p·grad| smoothed by EMAs (beta1: sensitivity, beta2: uncertainty),
  triplet scores mean(A row) + mean(B column) + E, a cubic budget schedule from init_r·n to
  target_r·n between tinit and total_step − tfinal, masking E below the k-th smallest score.

Names follow PEFT's: a module `transformer.h.0.attn.c_attn` has parameters
`transformer.h.0.attn.c_attn.lora_{A,B,E}.default`; rank patterns are keyed
`transformer.h.0.attn.c_attn.lora_E.default` (and saved without `.default`).
"""

import torch


class SVDConv1D:
    """PEFT's adalora SVDLinear around a GPT-2 Conv1D (weight [in, out]), one adapter."""

    def __init__(self, base, a, e, b, lora_alpha, r):
        self.base = base
        self.A, self.E, self.B = a, e, b
        self.ranknum = float(r)
        self.scaling = lora_alpha if lora_alpha > 0 else float(r)

    def __call__(self, x):
        return self.base(x) + (x @ (self.A * self.E).T @ self.B.T) * self.scaling / (self.ranknum + 1e-5)

    def delta_weight(self):
        return (self.B @ (self.A * self.E)).T * self.scaling / (self.ranknum + 1e-5)


def orth_reg(layers):
    """AdaLoraModel.forward's regulariser (before orth_reg_weight), over the layers' A and B."""
    regu, n = 0, 0
    for lay in layers:
        for p, kind in ((lay.A, "A"), (lay.B, "B")):
            cov = p @ p.T if kind == "A" else p.T @ p
            eye = torch.eye(*cov.size())
            regu = regu + torch.norm(cov - eye, p="fro")
            n += 1
    return regu / n if n else 0


class RankAllocator:
    """PEFT's RankAllocator over named parameters {name: tensor}, grads {name: tensor}."""

    def __init__(self, cfg, named_params, adapter_name="default"):
        self.cfg = cfg
        self.adapter_name = adapter_name
        self.beta1, self.beta2 = cfg["beta1"], cfg["beta2"]
        self.reset_ipt()
        self.init_bgt = 0
        names = set()
        for n, p in named_params.items():
            if f"lora_A.{adapter_name}" in n:
                self.init_bgt += p.size(0)
                names.add(n.replace("lora_A", "%s"))
        self.name_set = sorted(names)
        self.target_bgt = cfg["target_r"] * len(self.name_set)

    def reset_ipt(self):
        self.ipt, self.exp_avg_ipt, self.exp_avg_unc = {}, {}, {}

    def budget_schedule(self, step):
        tinit, tfinal, total_step = self.cfg["tinit"], self.cfg["tfinal"], self.cfg["total_step"]
        if step <= tinit:
            return self.init_bgt, False
        if step > total_step - tfinal:
            return self.target_bgt, True
        mul_coeff = 1 - (step - tinit) / (total_step - tfinal - tinit)
        budget = int((self.init_bgt - self.target_bgt) * (mul_coeff**3) + self.target_bgt)
        return budget, step % self.cfg["deltaT"] == 0

    def update_ipt(self, named_params, grads):
        for n, p in named_params.items():
            if "lora_" in n and self.adapter_name in n:
                if n not in self.ipt:
                    self.ipt[n] = torch.zeros_like(p)
                    self.exp_avg_ipt[n] = torch.zeros_like(p)
                    self.exp_avg_unc[n] = torch.zeros_like(p)
                self.ipt[n] = (p * grads[n]).abs().detach()
                self.exp_avg_ipt[n] = self.beta1 * self.exp_avg_ipt[n] + (1 - self.beta1) * self.ipt[n]
                self.exp_avg_unc[n] = (
                    self.beta2 * self.exp_avg_unc[n] + (1 - self.beta2) * (self.ipt[n] - self.exp_avg_ipt[n]).abs()
                )

    def _element_score(self, n):
        return self.exp_avg_ipt[n] * self.exp_avg_unc[n]

    def mask_to_budget(self, named_params, budget):
        value_ipt, vector_ipt, triplet_ipt = {}, {}, {}
        for n, p in named_params.items():
            if f"lora_A.{self.adapter_name}" in n:
                comb = torch.mean(self._element_score(n), dim=1, keepdim=True)
                vector_ipt.setdefault(n.replace("lora_A", "%s"), []).append(comb)
            if f"lora_B.{self.adapter_name}" in n:
                comb = torch.mean(self._element_score(n), dim=0, keepdim=False).view(-1, 1)
                vector_ipt.setdefault(n.replace("lora_B", "%s"), []).append(comb)
            if f"lora_E.{self.adapter_name}" in n:
                value_ipt[n.replace("lora_E", "%s")] = self._element_score(n)
        all_score = []
        for name_m in vector_ipt:
            ipt_e = value_ipt[name_m]
            ipt_ab = torch.cat(vector_ipt[name_m], dim=1).sum(dim=1, keepdim=False)
            sum_ipt = ipt_e.view(-1) + ipt_ab.view(-1)
            triplet_ipt[name_m % "lora_E"] = sum_ipt.view(-1, 1)
            all_score.append(sum_ipt.view(-1))
        threshold = torch.kthvalue(torch.cat(all_score), k=self.init_bgt - budget)[0].item()
        rank_pattern = {}
        for n, p in named_params.items():
            if f"lora_E.{self.adapter_name}" in n:
                p.masked_fill_(triplet_ipt[n] <= threshold, 0.0)
                rank_pattern[n] = (~(triplet_ipt[n] <= threshold)).view(-1).tolist()
        return rank_pattern

    def update_and_allocate(self, named_params, grads, global_step, force_mask=False):
        if global_step < self.cfg["total_step"] - self.cfg["tfinal"]:
            self.update_ipt(named_params, grads)
        budget, mask_ind = self.budget_schedule(global_step)
        return budget, (self.mask_to_budget(named_params, budget) if (mask_ind or force_mask) else None)

    def mask_using_rank_pattern(self, named_params, rank_pattern):
        for n, p in named_params.items():
            if f"lora_E.{self.adapter_name}" in n:
                mask = torch.Tensor(rank_pattern[n]).unsqueeze(-1)
                p.masked_fill_(~mask.bool(), 0.0)


def update_and_allocate(allocator, cfg, named_params, grads, global_step):
    """AdaLoraModel.update_and_allocate; returns the config's rank_pattern afterwards."""
    t_end = cfg["total_step"] - cfg["tfinal"]
    if global_step < t_end:
        _, rank_pattern = allocator.update_and_allocate(named_params, grads, global_step)
        if rank_pattern:
            cfg["rank_pattern"] = rank_pattern
    elif global_step == t_end:
        _, rank_pattern = allocator.update_and_allocate(named_params, grads, global_step, force_mask=True)
        cfg["rank_pattern"] = rank_pattern
        allocator.reset_ipt()
    elif global_step > t_end:
        allocator.mask_using_rank_pattern(named_params, cfg["rank_pattern"])
    return cfg.get("rank_pattern")


def saved_state_dict(named_params, rank_pattern, adapter_name="default", prefix="base_model.model."):
    """_get_adapter_state_dict: keys without the adapter name, pruned by the rank pattern."""
    sd = {prefix + n.replace(f".{adapter_name}", ""): p.detach().clone() for n, p in named_params.items()}
    if rank_pattern is None:
        return sd, None
    pattern = {k.replace(f".{adapter_name}", ""): v for k, v in rank_pattern.items()}
    for name, rank_idx in pattern.items():
        rank = sum(rank_idx)
        module = ".".join(name.split(".")[0:-1])
        for layer in ("lora_E", "lora_A", "lora_B"):
            key = f"{prefix}{module}.{layer}"
            t = sd[key]
            if layer != "lora_B":
                sd[key] = t[rank_idx] if rank != t.shape[0] else t
            else:
                sd[key] = t[:, rank_idx] if rank != t.shape[1] else t
    return sd, pattern
