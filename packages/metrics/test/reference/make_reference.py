#!/usr/bin/env python3
"""Computes the reference numbers that @gptft/metrics is tested against, with the real tools.

    /usr/bin/python3 make_reference.py --sacrebleu-src DIR --rouge-src DIR --seqeval-src DIR

scikit-learn (1.2.1) and NLTK (3.8) come from Debian (python3-sklearn, python3-nltk). sacreBLEU,
rouge-score and seqeval are not packaged by Debian and PyPI is unreachable here, so their unmodified
sources are imported from the directories given (see README.md for where they come from); nothing of
them is committed. Writes ./*.json (+ .json.gz for the big ones) and ../fixtures/* (small excerpts of
the data, test-only). Reads the data from $GPTFT_DATA (default: the project's shared/data).
"""

import argparse
import gzip
import json
import math
import os
import re
import subprocess
import sys
import types
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep __pycache__ out of the repository
sys.path.insert(0, HERE)
import inputs as I  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "fixtures")


def git_describe(src):
    try:
        return subprocess.check_output(["git", "-C", src, "describe", "--tags", "--always"], text=True).strip()
    except Exception:
        return None


def dump(name, obj, gz=False):
    path = os.path.join(HERE, name)
    text = json.dumps(obj, ensure_ascii=False, indent=None if gz else 1, allow_nan=True)
    if gz:
        with gzip.GzipFile(path, "wb", mtime=0) as f:
            f.write(text.encode("utf-8"))
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print("wrote", path, os.path.getsize(path), "bytes")


def write_fixture(name, lines):
    os.makedirs(FIXTURES, exist_ok=True)
    with open(os.path.join(FIXTURES, name), "w", encoding="utf-8", newline="") as f:
        f.write("".join(l + "\n" for l in lines))


# ---------------------------------------------------------------- sacreBLEU
def bleu_reference(src):
    sys.path.insert(0, src)
    version = types.ModuleType("sacrebleu.version")
    version.__version__ = "2.6.0"  # setuptools_scm writes this file at build time; the source tree lacks it
    sys.modules["sacrebleu.version"] = version
    import sacrebleu
    from sacrebleu.metrics import BLEU
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    def result(s, bleu):
        return {
            "score": s.score, "counts": list(s.counts), "totals": list(s.totals),
            "precisions": list(s.precisions), "bp": s.bp, "sys_len": s.sys_len, "ref_len": s.ref_len,
            "str": str(s), "signature": str(bleu.get_signature()),
        }

    def corpus(hyps, refs, **kw):
        b = BLEU(**kw)
        return result(b.corpus_score(hyps, refs), b)

    out = {"tool": "sacrebleu", "version": sacrebleu.__version__, "source": src, "describe": None}
    test_en, test_de, val_en = I.multi30k("test_2016_flickr.en"), I.multi30k("test_2016_flickr.de"), I.multi30k("val.en")
    write_fixture("multi30k.test_2016_flickr.en.head40", test_en[:40])
    write_fixture("multi30k.test_2016_flickr.de.head40", test_de[:40])
    write_fixture("multi30k.val.en.head40", val_en[:40])

    def cases(test_en, test_de, val_en):
        n = len(test_en)
        drop7 = [I.drop_every(l, 7) for l in test_en]
        drop5 = [I.drop_every(l, 5) for l in test_en]
        var = [None if i % 3 == 0 else r for i, r in enumerate(drop5)]
        c = {
            "drop7_vs_test_en": corpus(drop7, [test_en]),
            "val_vs_test_en": corpus(val_en[:n], [test_en]),
            "val_vs_test_en_lowercase": corpus(val_en[:n], [test_en], lowercase=True),
            "val_vs_test_en_tok_none": corpus(val_en[:n], [test_en], tokenize="none"),
            "drop7_vs_test_en_drop5": corpus(drop7, [test_en, drop5]),
            "drop7_vs_test_en_drop5_variable": corpus(drop7, [test_en, var]),
            "drop7_vs_test_de": corpus([I.drop_every(l, 7) for l in test_de], [test_de]),
        }
        for m in ["none", "floor", "add-k", "exp"]:
            c[f"val_vs_test_en_smooth_{m}"] = corpus(val_en[:n], [test_en], smooth_method=m)
            c[f"val_vs_test_en_smooth_{m}_order6"] = corpus(val_en[:n], [test_en], smooth_method=m, max_ngram_order=6)
        c["val_vs_test_en_floor_0.3"] = corpus(val_en[:n], [test_en], smooth_method="floor", smooth_value=0.3)
        c["val_vs_test_en_addk_0.5"] = corpus(val_en[:n], [test_en], smooth_method="add-k", smooth_value=0.5)
        return c

    out["corpus"] = cases(test_en, test_de, val_en)
    out["excerpt40"] = cases(test_en[:40], test_de[:40], val_en[:40])
    # Sentence level: sacrebleu.sentence_bleu (effective order on) and BLEU().sentence_score (off).
    sent = {}
    for m in ["none", "floor", "add-k", "exp"]:
        sent[m] = [sacrebleu.sentence_bleu(val_en[i], [test_en[i]], smooth_method=m).score for i in range(40)]
    b = BLEU(effective_order=False)
    sent["exp_no_effective_order"] = [b.sentence_score(val_en[i], [test_en[i]]).score for i in range(40)]
    sent["exp_two_refs"] = [sacrebleu.sentence_bleu(I.drop_every(test_en[i], 7), [test_en[i], val_en[i]]).score for i in range(40)]
    out["sentence_head40"] = sent
    tricky = [
        "Hello, world! It costs $5.50.", "&quot;quoted&quot; &amp; &lt;tag&gt;", "a<skipped>b", "hyphen-\nated",
        "line\nbreak", "3.14 1,000 5-6 a-b 1.a a.1 .5 5.", "naïve café — “smart quotes” ‘x’", "tab\tsep\x0bvt\x1cfs",
        "nbsp\xa0here\u2003em\ufeffbom", "  leading and trailing  ", "{braces} [brackets] `tick` ~tilde^ |pipe|",
        "e-mail: a@b.com; path/to/file (x+y)*z=w", "U.S.A. Mr. Smith's", "12:30 10% #1 100,000.00", "😀 emoji, ok.",
        "ends with digit period 5.", "comma,after,word", "9,9 9.9 9-9", "", "...", "--", "a--b",
    ]
    tok = Tokenizer13a()
    out["tokenize13a"] = [[s, tok(s.rstrip())] for s in tricky]
    return out


# ---------------------------------------------------------------- rouge-score
def rouge_reference(src):
    sys.path.insert(0, src)
    from rouge_score import rouge_scorer
    import nltk
    from nltk.stem import porter

    types_ = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    dev, test = I.dialogsum("dev"), I.dialogsum("test")
    with open(os.path.join(FIXTURES, "dialogsum.dev.head20.jsonl"), "w", encoding="utf-8") as f:
        for r in dev[:20]:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(os.path.join(FIXTURES, "dialogsum.test.head10.jsonl"), "w", encoding="utf-8") as f:
        for r in test[:10]:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    def run(records, multi, stem, full_prf):
        sc = rouge_scorer.RougeScorer(types_, use_stemmer=stem)
        per = []
        for r in records:
            pred = I.lead_two_turns(r["dialogue"])
            if multi:
                s = sc.score_multi([I.sentence_lines(r[f"summary{j}"]) for j in (1, 2, 3)], pred)
            else:
                s = sc.score(I.sentence_lines(r["summary"]), pred)
            per.append(s)
        mean = {t: {k: sum(getattr(p[t], k) for p in per) / len(per) for k in ("precision", "recall", "fmeasure")} for t in types_}
        res = {"mean": mean, "n": len(per)}
        if full_prf:
            res["per_example"] = [{t: [p[t].precision, p[t].recall, p[t].fmeasure] for t in types_} for p in per]
        else:
            res["fmeasure"] = {t: [p[t].fmeasure for p in per] for t in types_}
        return res

    out = {"tool": "rouge-score", "version": "0.1.2", "nltk": nltk.__version__, "source": src}
    for stem in (False, True):
        key = "stem" if stem else "nostem"
        out[f"dev_{key}"] = run(dev, False, stem, False)
        out[f"test_multi_{key}"] = run(test, True, stem, False)
        out[f"dev_head20_{key}"] = run(dev[:20], False, stem, True)
        out[f"test_head10_multi_{key}"] = run(test[:10], True, stem, True)
    hand = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum"], use_stemmer=True)
    cases = [
        ("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log."),
        ("a b c d\ne f g", "a c e\nb d f g"),
        ("w1 w2 w3 w4 w5\nw6 w7 w8", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5"),
        ("", "nothing to match"),
        ("Running runners ran; the generously generalized relational conditional!", "run runner rans generous general relate condition"),
        ("İstanbul KELVIN naïve", "istanbul kelvin nave"),
    ]
    out["hand"] = [[t, p, {k: list(v) for k, v in hand.score(t, p).items()}] for t, p in cases]
    out["tokenize_stem"] = [[t, hand._tokenizer.tokenize(t)] for t, _ in cases]
    return out


def porter_reference():
    import nltk
    from nltk.stem import porter

    words = set()
    folder = os.path.join(I.DATA, "nltk-inaugural")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".txt"):
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                words.update(w for w in re.sub(r"[^a-z0-9]+", " ", f.read().lower()).split() if len(w) > 2)
    # Words that exercise the NLTK-only rules and the irregular-forms table.
    words.update(["skies", "sky", "dying", "lying", "tying", "news", "innings", "outings", "cannings", "howe",
                  "proceed", "exceed", "succeed", "flies", "dies", "spied", "died", "enjoy", "happy", "spy",
                  "generalli", "fulli", "logi", "geology", "archaeology", "conformabli", "agreed", "feed",
                  "hopping", "falling", "filing", "failing", "controll", "roll", "cease", "rate", "probate"])
    words = sorted(words)
    modes = ["NLTK_EXTENSIONS", "MARTIN_EXTENSIONS", "ORIGINAL_ALGORITHM"]
    stems = {m: [porter.PorterStemmer(m).stem(w) for w in words] for m in modes}
    return {"tool": "nltk", "version": nltk.__version__, "source": "Debian python3-nltk", "words": words, "stems": stems}


# ---------------------------------------------------------------- seqeval
def seqeval_reference(src):
    sys.path.insert(0, src)
    import seqeval
    from seqeval.metrics import classification_report, accuracy_score
    from seqeval.metrics.sequence_labeling import get_entities
    from seqeval.scheme import IOB1, IOB2, IOBES, BILOU

    schemes = {"IOB1": IOB1, "IOB2": IOB2, "IOBES": IOBES, "BILOU": BILOU}

    def report(yt, yp, mode=None, scheme=None, suffix=False, zero_division="warn"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kw = dict(output_dict=True, suffix=suffix, zero_division=zero_division)
            if mode == "strict":
                r = classification_report(yt, yp, mode="strict", scheme=schemes[scheme], **kw)
            else:
                r = classification_report(yt, yp, **kw)
        return {k: {kk: float(vv) for kk, vv in v.items()} for k, v in r.items()}

    def configs(gold, pred):
        c = {
            "default_iob2": report(gold, pred),
            "strict_iob2": report(gold, pred, "strict", "IOB2"),
            "default_iob1": report([I.to_iob1(s) for s in gold], [I.to_iob1(s) for s in pred]),
            "strict_iob1": report([I.to_iob1(s) for s in gold], [I.to_iob1(s) for s in pred], "strict", "IOB1"),
            "default_iobes": report([I.to_iobes(s) for s in gold], [I.to_iobes(s) for s in pred]),
            "strict_iobes": report([I.to_iobes(s) for s in gold], [I.to_iobes(s) for s in pred], "strict", "IOBES"),
            "default_bilou": report([I.to_iobes(s, "U", "L") for s in gold], [I.to_iobes(s, "U", "L") for s in pred]),
            "strict_bilou": report([I.to_iobes(s, "U", "L") for s in gold], [I.to_iobes(s, "U", "L") for s in pred], "strict", "BILOU"),
            "default_suffix": report([I.to_suffix(s) for s in gold], [I.to_suffix(s) for s in pred], suffix=True),
            "strict_suffix_iob2": report([I.to_suffix(s) for s in gold], [I.to_suffix(s) for s in pred], "strict", "IOB2", suffix=True),
        }
        c["accuracy"] = accuracy_score(gold, pred)
        c["n_sentences"] = len(gold)
        c["n_tokens"] = sum(map(len, gold))
        c["n_gold_entities_default"] = len(get_entities(gold))
        c["n_pred_entities_default"] = len(get_entities(pred))
        return c

    out = {"tool": "seqeval", "version": "1.2.2", "source": src}
    # Hand-made edge sequences: chunks in default mode, and strict entities per scheme (or an error).
    from seqeval.scheme import Tokens, IOE1, IOE2
    edge_seqs = [
        ["B-PER", "B-LOC"], ["B-PER", "B-PER"], ["I-PER", "B-PER", "I-PER"], ["I-PER", "I-LOC", "O"],
        ["O", "I-PER", "E-PER", "S-LOC", "E-LOC"], ["B-PER", "I-LOC", "E-LOC"], ["B", "I", "O", "I"],
        [".", "I-PER", ".", "B-X", "O"], ["PER", "PER", "O"], ["B-PER-X", "I-PER-X"], ["E-PER", "E-PER", "I-PER"],
        ["U-PER", "L-PER", "B-LOC", "I-LOC", "L-LOC", "U-LOC"], ["I-PER", "E-PER", "I-PER", "I-LOC", "E-LOC"],
        ["B-PER", "I-PER", "S-PER", "E-PER"], ["O", "O"], ["I-A", "B-A", "B-A", "I-B", "B-B", "O", "I-B"],
    ]
    all_schemes = {"IOB1": IOB1, "IOB2": IOB2, "IOE1": IOE1, "IOE2": IOE2, "IOBES": IOBES, "BILOU": BILOU}
    edge = []
    for seq in edge_seqs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            row = {"seq": seq, "default": [list(c) for c in get_entities(seq)], "strict": {}}
        for name, sch in all_schemes.items():
            try:
                row["strict"][name] = [[e.tag, e.start, e.end] for e in Tokens(seq, sch).entities]
            except (ValueError, KeyError) as e:
                row["strict"][name] = "error"
        edge.append(row)
    out["edge"] = edge
    dev = I.read_conll(os.path.join(I.DATA, "wnut17", "emerging.dev.conll"))
    test = I.read_conll(os.path.join(I.DATA, "wnut17", "emerging.test.annotated"))
    write_fixture("wnut17.dev.head120.conll", [l for s in dev[:120] for l in [f"{w}\t{t}" for w, t in s] + [""]])
    for name, sents in (("dev", dev), ("test", test), ("dev_head120", dev[:120])):
        gold = [[t for _, t in s] for s in sents]
        out[name] = configs(gold, I.perturb_tags(gold))
    # zero division: a few sentences where some types are only predicted or only true
    gold = [[t for _, t in s] for s in dev[:12]]
    pred = I.perturb_tags(gold)
    out["zero_division"] = {str(z): report(gold, pred, zero_division=z) for z in ("warn", 0, 1)}
    out["zero_division_strict"] = {str(z): report(gold, pred, "strict", "IOB2", zero_division=z) for z in ("warn", 0, 1)}
    from seqeval.metrics.sequence_labeling import precision_recall_fscore_support as seq_prfs

    def no_entities(z):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return {avg: [float(v) for v in seq_prfs([["O", "O"]], [["O", "O"]], average=avg, zero_division=z)[:3]]
                    for avg in ("micro", "macro", "weighted")}

    out["no_entities"] = {str(z): no_entities(z) for z in ("warn", 0, 1)}
    # Only predicted entities (no true ones): weighted average's all-zero-support branch.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["only_predicted"] = {str(z): {avg: [float(v) for v in seq_prfs([["O", "O"]], [["B-PER", "O"]], average=avg, zero_division=z)[:3]]
                                          for avg in ("micro", "macro", "weighted")} for z in ("warn", 0, 1)}
    return out


# ---------------------------------------------------------------- scikit-learn
def sklearn_reference():
    import sklearn
    from sklearn.metrics import precision_recall_fscore_support as prfs, accuracy_score, classification_report, fbeta_score

    def f(x):
        if x is None:
            return None
        v = x.tolist() if hasattr(x, "tolist") else x
        return [float(e) for e in v] if isinstance(v, list) else float(v)

    def run(yt, yp, **kw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p, r, fs, s = prfs(yt, yp, **kw)
        return {"precision": f(p), "recall": f(r), "fscore": f(fs), "support": f(s)}

    out = {"tool": "scikit-learn", "version": sklearn.__version__, "source": "Debian python3-sklearn"}
    dev = I.read_conll(os.path.join(I.DATA, "wnut17", "emerging.dev.conll"))

    def tag_cases(sents):
        gold = [[t for _, t in s] for s in sents]
        yt = [t for s in gold for t in s]
        yp = [t for s in I.perturb_tags(gold) for t in s]
        labels = sorted(set(yt) | set(yp))
        no_o = [l for l in labels if l != "O"]
        c = {"labels": labels, "n": len(yt), "accuracy": accuracy_score(yt, yp)}
        for avg in (None, "micro", "macro", "weighted"):
            c[f"avg_{avg}"] = run(yt, yp, average=avg)
            c[f"avg_{avg}_no_O"] = run(yt, yp, average=avg, labels=no_o)
        for z in ("warn", 0, 1):
            extra = no_o + ["B-absent"]
            for avg in (None, "macro", "micro", "weighted"):
                c[f"absent_{z}_{avg}"] = run(yt, yp, average=avg, labels=extra, zero_division=z)
        c["beta_0.5_macro"] = run(yt, yp, average="macro", beta=0.5)
        c["beta_2_weighted"] = run(yt, yp, average="weighted", beta=2)
        w = [(i % 3) + 1 for i in range(len(yt))]
        c["weighted_samples_macro"] = run(yt, yp, average="macro", sample_weight=w)
        c["weighted_samples_accuracy"] = accuracy_score(yt, yp, sample_weight=w)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c["report"] = classification_report(yt, yp, output_dict=True)
            c["report_no_O"] = classification_report(yt, yp, labels=no_o, output_dict=True)
        return c

    out["wnut17_dev_tags"] = tag_cases(dev)
    out["wnut17_dev_head120_tags"] = tag_cases(dev[:120])
    labels, texts = I.sst2_dev()
    pred = [I.lexicon_predict(t) for t in texts]
    b = {"n": len(labels), "accuracy": accuracy_score(labels, pred), "n_pred_pos": sum(pred)}
    b["binary_pos1"] = run(labels, pred, average="binary")
    b["binary_pos0"] = run(labels, pred, average="binary", pos_label=0)
    b["none"] = run(labels, pred, average=None)
    sl = ["pos" if v else "neg" for v in labels]
    sp = ["pos" if v else "neg" for v in pred]
    b["strings_binary_pos"] = run(sl, sp, average="binary", pos_label="pos")
    b["fbeta2_binary"] = float(fbeta_score(labels, pred, beta=2))
    out["sst2_dev_lexicon"] = b
    # Hand-made zero-division cases on which scikit-learn 1.2.1 and >= 1.3 agree.
    small = {}
    yt, yp = [0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1]
    for z in ("warn", 0, 1):
        small[f"perlabel_{z}"] = run(yt, yp, average=None, labels=[0, 1, 2, 3], zero_division=z)
        small[f"macro_{z}"] = run(yt, yp, average="macro", labels=[0, 1, 2, 3], zero_division=z)
        small[f"binary_nothing_predicted_{z}"] = run([1, 0, 1], [0, 0, 0], average="binary", zero_division=z)
        small[f"binary_no_positives_{z}"] = run([0, 0, 0], [0, 1, 0], average="binary", zero_division=z)
        small[f"binary_none_anywhere_{z}"] = run([0, 0, 0], [0, 0, 0], average="binary", zero_division=z)
    out["small"] = small
    return out


def perplexity_reference():
    """exp(mean NLL) computed with Python's math on real losses: the PyTorch losses of the shared
    GPT-2 fixtures (expected.json lm[*].loss, train losses)."""
    with open(os.path.join(HERE, "../../../../fixtures/gpt2-tiny-ref/expected.json")) as f:
        exp = json.load(f)
    losses = [x["loss"] for x in exp["lm"]] + list(exp["train"]["losses"])
    return {"tool": "python math", "version": sys.version.split()[0], "losses": losses,
            "perplexities": [math.exp(l) for l in losses], "fsum_mean": math.fsum(losses) / len(losses),
            "perplexity_of_mean": math.exp(math.fsum(losses) / len(losses))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sacrebleu-src", required=True)
    ap.add_argument("--rouge-src", required=True)
    ap.add_argument("--seqeval-src", required=True)
    a = ap.parse_args()
    dump("sacrebleu.json", bleu_reference(a.sacrebleu_src))
    dump("rouge-score.json.gz", rouge_reference(a.rouge_src), gz=True)
    dump("nltk-porter.json.gz", porter_reference(), gz=True)
    dump("seqeval.json", seqeval_reference(a.seqeval_src))
    dump("sklearn.json", sklearn_reference())
    dump("perplexity.json", perplexity_reference())


if __name__ == "__main__":
    main()
