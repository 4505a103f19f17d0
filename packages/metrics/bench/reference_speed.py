#!/usr/bin/env python3
"""The reference tools on the inputs of metrics.bench.ts, for a same-machine speed comparison:

    /usr/bin/python3 bench/reference_speed.py --sacrebleu-src DIR --rouge-src DIR

(sources as in test/reference/README.md; data from $GPTFT_DATA or the project's shared/data).
Prints the best of 3 runs, like the TypeScript bench."""
import argparse
import json
import os
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "reference"))
import inputs as I  # noqa: E402


def best(label, fn):
    fn()
    t = min(_timed(fn) for _ in range(3))
    print(f"{label:<52} {t * 1000:8.1f} ms")


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sacrebleu-src", required=True)
    ap.add_argument("--rouge-src", required=True)
    a = ap.parse_args()
    sys.path.insert(0, a.sacrebleu_src)
    v = types.ModuleType("sacrebleu.version")
    v.__version__ = "2.6.0"
    sys.modules["sacrebleu.version"] = v
    from sacrebleu.metrics import BLEU, CHRF, TER
    sys.path.insert(0, a.rouge_src)
    import numpy as np
    from rouge_score import rouge_scorer, scoring

    test_en = I.multi30k("test_2016_flickr.en")
    refs = (test_en * 10)[:10_000]
    hyps = [I.drop_every(l, 7) for l in refs]
    best("sacreBLEU BLEU 13a, 10,000 segments", lambda: BLEU().corpus_score(hyps, [refs]))
    best("sacreBLEU BLEU intl, 10,000 segments", lambda: BLEU(tokenize="intl").corpus_score(hyps, [refs]))
    best("sacreBLEU chrF++, 10,000 segments", lambda: CHRF(word_order=2).corpus_score(hyps, [refs]))
    best(f"sacreBLEU TER, {len(test_en)} segments",
         lambda: TER().corpus_score([I.drop_every(l, 7) for l in test_en], [test_en]))
    dev = I.dialogsum("dev")
    preds = [I.lead_two_turns(r["dialogue"]) for r in dev]
    sums = [I.sentence_lines(r["summary"]) for r in dev]
    types_ = ["rouge1", "rouge2", "rougeL", "rougeLsum"]

    def rouge(stem, agg):
        sc = rouge_scorer.RougeScorer(types_, use_stemmer=stem)
        per = [sc.score(t, p) for p, t in zip(preds, sums)]
        if agg:
            np.random.seed(0)
            a = scoring.BootstrapAggregator()
            for p in per:
                a.add_scores(p)
            a.aggregate()

    best(f"rouge-score 1/2/L/Lsum, no stemmer, {len(dev)} examples", lambda: rouge(False, False))
    best(f"rouge-score 1/2/L/Lsum, stemmer, {len(dev)} examples", lambda: rouge(True, False))
    best(f"rouge-score + BootstrapAggregator, {len(dev)} examples", lambda: rouge(False, True))


if __name__ == "__main__":
    main()
