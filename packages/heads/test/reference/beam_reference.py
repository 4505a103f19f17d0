"""PyTorch reference for beam search and num_return_sequences on the gpt2-tiny fixture.

Writes test/fixtures/beam-search.json: for each case the prompt ids, the options (transformers'
names) and the rows transformers' `generate(num_beams=…, num_return_sequences=…)` returns, with
their length-penalised scores.

How it was run (torch 1.13 from Debian, no transformers installed):
  /usr/bin/python3 packages/heads/test/reference/beam_reference.py

The model is the plain-torch GPT-2 of tooling/reference/gpt2_torch.py; beam search is
tooling/reference/beam_search.py (transformers' BeamSearchScorer / BeamHypotheses / _beam_search
re-implemented from its source). Before anything else the script checks that this GPT-2
reproduces the fixture's own greedy ids (expected.json `greedy`, computed with transformers), so
the model is not checked against itself.
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
from beam_search import beam_search  # noqa: E402
from gpt2_torch import build, forward, read_safetensors  # noqa: E402


def main():
    cfg = json.load(open(os.path.join(FIX, "gpt2-tiny", "config.json")))
    n_layer, n_head = cfg["n_layer"], cfg["n_head"]
    m = build(read_safetensors(os.path.join(FIX, "gpt2-tiny", "model.safetensors")), n_layer)
    expected = json.load(open(os.path.join(FIX, "expected.json")))

    @torch.no_grad()
    def last_logits(ids):
        return forward(m, ids, n_head)[-1]

    # The reference GPT-2 reproduces transformers' greedy ids of the fixture.
    for g in expected["greedy"]:
        ids = list(g["prompt_ids"])
        for _ in range(len(g["greedy_ids"])):
            ids.append(int(torch.argmax(last_logits(ids))))
        assert ids[len(g["prompt_ids"]) :] == g["greedy_ids"], g["prompt"]

    p0 = expected["greedy"][0]["prompt_ids"]  # "Hello, my name is"
    p1 = expected["greedy"][1]["prompt_ids"]  # "Once upon a time"
    # 9962 repeats in the greedy continuation of p1: as an eos id it ends beams early.
    cases = [
        dict(name="beams3-return2", prompts=[p0], num_beams=3, max_new_tokens=12, eos=[50256],
             length_penalty=1.0, early_stopping=False, num_return_sequences=2),
        dict(name="beams4-eos-lp2-early", prompts=[p1], num_beams=4, max_new_tokens=10, eos=[9962],
             length_penalty=2.0, early_stopping=True, num_return_sequences=4),
        dict(name="beams2-eos-lp-half-never", prompts=[p1], num_beams=2, max_new_tokens=10, eos=[9962, 5848],
             length_penalty=0.5, early_stopping="never", num_return_sequences=1),
        dict(name="beams3-eos-heuristic-lp-neg", prompts=[p1], num_beams=3, max_new_tokens=9, eos=[9962],
             length_penalty=-1.0, early_stopping=False, num_return_sequences=3),
        dict(name="batch-beams3-reppen", prompts=[p0, p1], num_beams=3, max_new_tokens=8, eos=[9962],
             length_penalty=1.0, early_stopping=False, num_return_sequences=2, repetition_penalty=1.3),
    ]
    out = []
    for c in cases:
        results = []
        for p in c["prompts"]:
            results.append(
                beam_search(
                    last_logits,
                    p,
                    c["num_beams"],
                    c["max_new_tokens"],
                    c["eos"],
                    pad_id=50256,
                    length_penalty=c["length_penalty"],
                    early_stopping=c["early_stopping"],
                    num_return_sequences=c["num_return_sequences"],
                    rep_penalty=c.get("repetition_penalty", 1.0),
                )
            )
        out.append({**c, "results": results})
        eos_count = sum(r["eos"] for rs in results for r in rs)
        print(c["name"], [[r["sequence"][len(p):] for r in rs] for p, rs in zip(c["prompts"], results)], "eos hyps:", eos_count)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "beam-search.json"), "w") as f:
        json.dump({"pad_token_id": 50256, "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
