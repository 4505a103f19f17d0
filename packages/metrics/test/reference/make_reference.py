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
def import_sacrebleu(src):
    if src not in sys.path:
        sys.path.insert(0, src)
    version = types.ModuleType("sacrebleu.version")
    version.__version__ = "2.6.0"  # setuptools_scm writes this file at build time; the source tree lacks it
    sys.modules["sacrebleu.version"] = version
    import sacrebleu
    return sacrebleu


# Hand-written Chinese sentence pairs (written for these tests; no external source) for the `zh`
# tokenizer, and strings that hit each tokenizer's corner cases.
ZH_PAIRS = [
    ("我们在2020年去了北京。", "我们2020年去北京了。"),
    ("今天天气很好，我们去公园散步吧！", "今天天气不错，我们去公园走走吧。"),
    ("他说：“这本书非常有意思。”", "他说这本书很有趣。"),
    ("会议将于下午3:30开始，请准时参加。", "会议下午三点半开始，请大家准时到。"),
    ("这家餐厅的菜又便宜又好吃。", "这个饭馆的菜便宜而且好吃。"),
    ("请把文件发到我的邮箱 test@example.com。", "请将文件发送到邮箱 test@example.com 。"),
    ("GPT-2模型有1.5亿个参数吗？", "GPT-2 模型有 15 亿个参数吗？"),
    ("火车晚点了二十分钟。", "列车晚点二十分钟。"),
    ("我喜欢喝茶，不喜欢喝咖啡。", "我爱喝茶，不爱喝咖啡。"),
    ("明天——如果不下雨——我们去爬山。", "如果明天不下雨，我们就去爬山。"),
    ("《红楼梦》是中国古典小说。", "《红楼梦》是一部中国古典小说。"),
    ("价格从￥100降到了￥80。", "价格由100元降至80元。"),
]
TRICKY = [
    "Hello, world! It costs $5.50.", "&quot;quoted&quot; &amp; &lt;tag&gt;", "a<skipped>b", "hyphen-\nated",
    "line\nbreak", "3.14 1,000 5-6 a-b 1.a a.1 .5 5.", "naïve café — “smart quotes” ‘x’", "tab\tsep\x0bvt\x1cfs",
    "nbsp\xa0here\u2003em\ufeffbom", "  leading and trailing  ", "{braces} [brackets] `tick` ~tilde^ |pipe|",
    "e-mail: a@b.com; path/to/file (x+y)*z=w", "U.S.A. Mr. Smith's", "12:30 10% #1 100,000.00", "😀 emoji, ok.",
    "ends with digit period 5.", "comma,after,word", "9,9 9.9 9-9", "", "...", "--", "a--b",
]
TRICKY_MORE = [
    "«Guillemets» ¿Qué? ¡Sí! 1.000,50 €", "Preis: 3,50€ (inkl. MwSt.)", "α+β=γ ± 0.5 × 10³ °C ™ ©",
    "我们在2020年去了北京。", "東京タワーは333メートルです。", "한국어 문장입니다.", "１２３ＡＢＣ！？", "ＧＰＴ－２",
    "arrow → and ⇒ ↔ ∀x∈ℝ", "tab\there 2,5 2.5 2-5", "emoji 😀😃 👍🏽", "'single' \"double\" `back`",
    "under_score and hy-phen and en–dash", "Ⅻ ½ ² ⁂ ※", "\u2001\u2028\u2029 separators", "x\u0301 combining",
    "Jim's “quoted” — text (x) 1,000.5", "𠀀𠀁 Ext-B and \u2f81 \u2fa1 \u2fa2", "  ",
]


def sacrebleu_reference(src):
    sacrebleu = import_sacrebleu(src)
    from sacrebleu.metrics import BLEU, CHRF, TER
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
    from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International
    from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh
    from sacrebleu.tokenizers.tokenizer_char import TokenizerChar
    from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer

    def bleu_result(s, m):
        return {
            "score": s.score, "counts": list(s.counts), "totals": list(s.totals),
            "precisions": list(s.precisions), "bp": s.bp, "sys_len": s.sys_len, "ref_len": s.ref_len,
            "str": str(s), "signature": str(m.get_signature()),
        }

    def bleu(hyps, refs, **kw):
        m = BLEU(**kw)
        return bleu_result(m.corpus_score(hyps, refs), m)

    def chrf(hyps, refs, **kw):
        m = CHRF(**kw)
        s = m.corpus_score(hyps, refs)
        return {"score": s.score, "str": str(s), "signature": str(m.get_signature())}

    def ter(hyps, refs, **kw):
        m = TER(**kw)
        s = m.corpus_score(hyps, refs)
        return {"score": s.score, "num_edits": s.num_edits, "ref_length": s.ref_length, "str": str(s),
                "signature": str(m.get_signature())}

    def cases(ref, other, unrelated):
        """ref: the reference text; other: a second text (German for Multi30k); unrelated: text that
        has nothing to do with ref (low scores, zero-match 3/4-grams in the excerpt)."""
        n = len(ref)
        drop7 = [I.drop_every(l, 7) for l in ref]
        drop5 = [I.drop_every(l, 5) for l in ref]
        var = [None if i % 3 == 0 else r for i, r in enumerate(drop5)]
        unrel = unrelated[:n]
        other7 = [I.drop_every(l, 7) for l in other]
        b = {
            "drop7_vs_ref": bleu(drop7, [ref]),
            "unrelated_vs_ref": bleu(unrel, [ref]),
            "unrelated_vs_ref_lowercase": bleu(unrel, [ref], lowercase=True),
            "unrelated_vs_ref_tok_none": bleu(unrel, [ref], tokenize="none"),
            "drop7_vs_ref_drop5": bleu(drop7, [ref, drop5]),
            "drop7_vs_ref_drop5_variable": bleu(drop7, [ref, var]),
            "drop7_vs_other": bleu(other7, [other]),
        }
        for tok in ("intl", "zh", "char"):
            b[f"drop7_vs_ref_tok_{tok}"] = bleu(drop7, [ref], tokenize=tok)
            b[f"unrelated_vs_ref_tok_{tok}"] = bleu(unrel, [ref], tokenize=tok)
            b[f"drop7_vs_other_tok_{tok}"] = bleu(other7, [other], tokenize=tok)
        for m in ["none", "floor", "add-k", "exp"]:
            b[f"unrelated_vs_ref_smooth_{m}"] = bleu(unrel, [ref], smooth_method=m)
            b[f"unrelated_vs_ref_smooth_{m}_order6"] = bleu(unrel, [ref], smooth_method=m, max_ngram_order=6)
        b["unrelated_vs_ref_floor_0.3"] = bleu(unrel, [ref], smooth_method="floor", smooth_value=0.3)
        b["unrelated_vs_ref_addk_0.5"] = bleu(unrel, [ref], smooth_method="add-k", smooth_value=0.5)
        c = {
            "drop7_vs_ref": chrf(drop7, [ref]),
            "unrelated_vs_ref": chrf(unrel, [ref]),
            "drop7_vs_ref_pp": chrf(drop7, [ref], word_order=2),
            "unrelated_vs_ref_pp": chrf(unrel, [ref], word_order=2),
            "drop7_vs_ref_beta1": chrf(drop7, [ref], beta=1),
            "drop7_vs_ref_beta3_nc4_nw1": chrf(drop7, [ref], beta=3, char_order=4, word_order=1),
            "unrelated_vs_ref_lowercase": chrf(unrel, [ref], lowercase=True),
            "drop7_vs_ref_whitespace": chrf(drop7, [ref], whitespace=True),
            "unrelated_vs_ref_eps": chrf(unrel, [ref], eps_smoothing=True),
            "unrelated_vs_ref_pp_eps": chrf(unrel, [ref], word_order=2, eps_smoothing=True),
            "drop7_vs_ref_drop5": chrf(drop7, [ref, drop5]),
            "drop7_vs_ref_drop5_variable_pp": chrf(drop7, [ref, var], word_order=2),
            "drop7_vs_other_pp": chrf(other7, [other], word_order=2),
        }
        t = {
            "drop7_vs_ref": ter(drop7, [ref]),
            "unrelated_vs_ref": ter(unrel, [ref]),
            "drop7_vs_ref_normalized": ter(drop7, [ref], normalized=True),
            "drop7_vs_ref_no_punct": ter(drop7, [ref], no_punct=True),
            "drop7_vs_ref_case_sensitive": ter(drop7, [ref], case_sensitive=True),
            "drop7_vs_ref_norm_asian": ter(drop7, [ref], normalized=True, asian_support=True),
            "drop7_vs_ref_drop5": ter(drop7, [ref, drop5]),
            "drop7_vs_ref_drop5_variable": ter(drop7, [ref, var]),
            "drop7_vs_other_normalized": ter(other7, [other], normalized=True),
            # shifts: each segment's first half moved behind its second half
            "halves_swapped_vs_ref": ter([I.swap_halves(l) for l in ref], [ref]),
        }
        return {"bleu": b, "chrf": c, "ter": t}

    out = {"tool": "sacrebleu", "version": sacrebleu.__version__, "source": src, "describe": git_describe(src)}
    # Full data (Multi30k, read in place, never copied): reference = Test 2016 English, other = its German,
    # unrelated = the validation English.
    test_en, test_de, val_en = I.multi30k("test_2016_flickr.en"), I.multi30k("test_2016_flickr.de"), I.multi30k("val.en")
    out["multi30k"] = cases(test_en, test_de, val_en)
    # Committed excerpt (public domain): paragraphs of three Gutenberg books.
    ref, other, unrelated = (I.gutenberg_paragraphs(b) for b in ("pg1342", "pg2701", "pg11"))
    write_fixture("gutenberg.pg1342.para40", ref)
    write_fixture("gutenberg.pg2701.para40", other)
    write_fixture("gutenberg.pg11.para40", unrelated)
    out["excerpt"] = cases(ref, other, unrelated)
    # Sentence level (sacrebleu.sentence_bleu with effective order on; sentence_chrf; sentence_ter).
    sent = {}
    for m in ["none", "floor", "add-k", "exp"]:
        sent[m] = [sacrebleu.sentence_bleu(unrelated[i], [ref[i]], smooth_method=m).score for i in range(40)]
    b = BLEU(effective_order=False)
    sent["exp_no_effective_order"] = [b.sentence_score(unrelated[i], [ref[i]]).score for i in range(40)]
    sent["exp_two_refs"] = [sacrebleu.sentence_bleu(I.drop_every(ref[i], 7), [ref[i], unrelated[i]]).score for i in range(40)]
    sent["intl_drop7"] = [sacrebleu.sentence_bleu(I.drop_every(ref[i], 7), [ref[i]], tokenize="intl").score for i in range(40)]
    sent["chrf_drop7"] = [sacrebleu.sentence_chrf(I.drop_every(ref[i], 7), [ref[i]]).score for i in range(40)]
    sent["chrf_pp_unrelated"] = [sacrebleu.sentence_chrf(unrelated[i], [ref[i]], word_order=2).score for i in range(40)]
    ters = [TER().sentence_score(I.drop_every(ref[i], 7), [ref[i]]) for i in range(40)]
    sent["ter_drop7"] = [[s.score, s.num_edits, s.ref_length] for s in ters]
    ters = [TER().sentence_score(I.swap_halves(ref[i]), [ref[i], unrelated[i]]) for i in range(40)]
    sent["ter_swapped_two_refs"] = [[s.score, s.num_edits, s.ref_length] for s in ters]
    out["sentence"] = sent
    # Chinese (hand-written pairs): the zh tokenizer, and char / intl on the same text.
    zh_h, zh_r = [h for h, _ in ZH_PAIRS], [[r for _, r in ZH_PAIRS]]
    out["zh_pairs"] = ZH_PAIRS
    out["zh"] = {
        "bleu_zh": bleu(zh_h, zh_r, tokenize="zh"),
        "bleu_trg_lang_zh": bleu(zh_h, zh_r, trg_lang="zh"),
        "bleu_char": bleu(zh_h, zh_r, tokenize="char"),
        "bleu_intl": bleu(zh_h, zh_r, tokenize="intl"),
        "chrf": chrf(zh_h, zh_r),
        "ter_norm_asian": ter(zh_h, zh_r, normalized=True, asian_support=True),
        "ter_nopunct_asian": ter(zh_h, zh_r, no_punct=True, asian_support=True),
    }
    strings = TRICKY + TRICKY_MORE + [h for h, _ in ZH_PAIRS]
    tok13a, intl, zh, char = Tokenizer13a(), TokenizerV14International(), TokenizerZh(), TokenizerChar()
    out["tokenize13a"] = [[s, tok13a(s.rstrip())] for s in TRICKY]
    out["tokenizers"] = [[s, {"13a": tok13a(s.rstrip()), "intl": intl(s.rstrip()), "zh": zh(s.rstrip()),
                              "char": char(s.rstrip())}] for s in strings]
    ter_opts = {"default": {}, "normalized": {"normalized": True}, "no_punct": {"no_punct": True},
                "norm_asian": {"normalized": True, "asian_support": True},
                "nopunct_asian": {"no_punct": True, "asian_support": True},
                "case_sensitive": {"case_sensitive": True}}
    out["tercom"] = [[s, {k: TercomTokenizer(**o)(s.rstrip()) for k, o in ter_opts.items()}] for s in strings]
    return out


# ---------------------------------------------------------------- rouge-score
PUNKT_FIXTURE = "punkt-params.state-union.json.gz"


def punkt_params_trained():
    """Punkt parameters learned by NLTK's own PunktTrainer from the first 30 State of the Union
    addresses (public domain). Written to ../fixtures so that the TypeScript port can load the same
    parameters; NLTK's English model (nltk_data punkt) is not used, its licence is unclear."""
    from nltk.tokenize.punkt import PunktParameters, PunktTrainer
    folder = os.path.join(I.DATA, "nltk-state-union")
    text = "".join(open(os.path.join(folder, n), encoding="utf-8", errors="replace").read()
                   for n in sorted(os.listdir(folder))[:30])
    trainer = PunktTrainer()
    trainer.INCLUDE_ALL_COLLOCS = True
    trainer.train(text, finalize=True)
    p = trainer.get_params()
    fixture = {
        "about": "Punkt parameters trained by NLTK 3.8 PunktTrainer(INCLUDE_ALL_COLLOCS=True) on the first 30 "
                 "files of shared/data/nltk-state-union (public domain); written by reference/make_reference.py",
        "abbrev_types": sorted(p.abbrev_types),
        "collocations": sorted(list(c) for c in p.collocations),
        "sent_starters": sorted(p.sent_starters),
        "ortho_context": dict(sorted(p.ortho_context.items())),
    }
    with gzip.GzipFile(os.path.join(FIXTURES, PUNKT_FIXTURE), "wb", mtime=0) as f:
        f.write((json.dumps(fixture, ensure_ascii=False, indent=0, sort_keys=True) + "\n").encode("utf-8"))
    # Rebuild from the fixture exactly as the tests do (what is tested is what was written).
    q = PunktParameters()
    q.abbrev_types = set(fixture["abbrev_types"])
    q.collocations = set(tuple(c) for c in fixture["collocations"])
    q.sent_starters = set(fixture["sent_starters"])
    for k, v in fixture["ortho_context"].items():
        q.ortho_context[k] = v
    return q


def import_evaluate_metric(evaluate_src, name):
    """Loads `metrics/<name>/<name>.py` of huggingface/evaluate unmodified. Its module-level imports
    of `evaluate` and `datasets` are satisfied by stubs that provide only the class-definition
    scaffolding (Metric, MetricInfo, Features, Value, Sequence, add_start_docstrings); `_compute`,
    the code that computes the numbers, runs as written."""
    import importlib.util
    from types import SimpleNamespace
    if "evaluate" not in sys.modules:
        ev = types.ModuleType("evaluate")

        class Metric:
            def __init__(self, config_name=None, **kw):
                self.config_name = config_name or "default"

        ev.Metric = Metric
        ev.MetricInfo = lambda **kw: kw
        ev.utils = SimpleNamespace(file_utils=SimpleNamespace(add_start_docstrings=lambda *a, **k: (lambda f: f)))
        sys.modules["evaluate"] = ev
        ds = types.ModuleType("datasets")
        ds.Features = ds.Value = ds.Sequence = lambda *a, **k: None
        sys.modules["datasets"] = ds
    path = os.path.join(evaluate_src, "metrics", name, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"evaluate_metric_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def rouge_reference(src, evaluate_src):
    sys.path.insert(0, src)
    from rouge_score import rouge_scorer, scoring
    import nltk
    import numpy as np
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    types_ = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    dev, test = I.dialogsum("dev"), I.dialogsum("test")
    gsm = I.gsm8k("test")
    with open(os.path.join(FIXTURES, "gsm8k.test.head20.jsonl"), "w", encoding="utf-8") as f:
        for r in gsm[:20]:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    def pairs_dialogsum(records, multi, raw=False):
        fix = (lambda x: x) if raw else I.sentence_lines
        if multi:
            return [(I.lead_two_turns(r["dialogue"]), [fix(r[f"summary{j}"]) for j in (1, 2, 3)]) for r in records]
        return [(I.lead_two_turns(r["dialogue"]), fix(r["summary"])) for r in records]

    def pairs_gsm(records, multi):
        if multi:
            return [(I.question_lines(r["question"]), I.gsm8k_targets(r)) for r in records]
        return [(I.question_lines(r["question"]), r["answer"]) for r in records]

    def run(pairs, full_prf, **kw):
        sc = rouge_scorer.RougeScorer(kw.pop("rouge_types", types_), **kw)
        per = [sc.score_multi(t, p) if isinstance(t, list) else sc.score(t, p) for p, t in pairs]
        ts = list(per[0].keys())
        mean = {t: {k: sum(getattr(p[t], k) for p in per) / len(per) for k in ("precision", "recall", "fmeasure")} for t in ts}
        res = {"mean": mean, "n": len(per)}
        if full_prf:
            res["per_example"] = [{t: [p[t].precision, p[t].recall, p[t].fmeasure] for t in ts} for p in per]
        else:
            res["fmeasure"] = {t: [p[t].fmeasure for p in per] for t in ts}
        return res, per

    def agg(per, seed, **kw):
        np.random.seed(seed)
        a = scoring.BootstrapAggregator(**kw)
        for p in per:
            a.add_scores(p)
        r = a.aggregate()
        return {t: {b: list(getattr(v, b)) for b in ("low", "mid", "high")} for t, v in r.items()}

    out = {"tool": "rouge-score", "version": "0.1.2", "nltk": nltk.__version__, "source": src}
    for stem in (False, True):
        key = "stem" if stem else "nostem"
        out[f"dev_{key}"] = run(pairs_dialogsum(dev, False), False, use_stemmer=stem)[0]
        out[f"test_multi_{key}"] = run(pairs_dialogsum(test, True), False, use_stemmer=stem)[0]
        out[f"excerpt20_{key}"] = run(pairs_gsm(gsm[:20], False), True, use_stemmer=stem)[0]
        out[f"excerpt10_multi_{key}"] = run(pairs_gsm(gsm[:10], True), True, use_stemmer=stem)[0]

    # A custom tokenizer (rouge-score's tokenizer=, evaluate's tokenizer=): Python's str.split.
    class Split:
        def tokenize(self, text):
            return text.split()

    out["excerpt20_tokenizer_split"] = run(pairs_gsm(gsm[:20], False), True, tokenizer=Split())[0]
    out["dev_tokenizer_split"] = run(pairs_dialogsum(dev, False), False, tokenizer=Split())[0]

    # split_summaries=True: rouge-score calls nltk.sent_tokenize, which loads NLTK's English Punkt
    # model. We point it at a given PunktSentenceTokenizer instead (untrained, and trained on public
    # domain text by NLTK itself), and feed the raw summaries (sentences not on separate lines).
    trained = punkt_params_trained()
    real_sent_tokenize = nltk.sent_tokenize
    for name, tok in (("untrained", PunktSentenceTokenizer()), ("trained", PunktSentenceTokenizer(trained))):
        nltk.sent_tokenize = lambda text, language="english", _t=tok: _t.tokenize(text)
        out[f"dev_split_{name}"] = run(pairs_dialogsum(dev, False, raw=True), False, rouge_types=["rougeLsum"],
                                       split_summaries=True)[0]
        out[f"excerpt20_split_{name}"] = run([(r["question"], r["answer"]) for r in gsm[:20]], True,
                                             rouge_types=["rougeL", "rougeLsum"], split_summaries=True)[0]
        texts = [r["question"] for r in gsm[:20]] + [r["summary"] for r in dev[:30]]
        out[f"punkt_{name}"] = [[t, tok.tokenize(t)] for t in texts]
    nltk.sent_tokenize = real_sent_tokenize

    # The bootstrap aggregator after np.random.seed(seed).
    _, per_dev = run(pairs_dialogsum(dev, False), False)
    _, per_ex = run(pairs_gsm(gsm[:20], False), False, use_stemmer=True)
    out["bootstrap"] = {
        "dev_seed0": agg(per_dev, 0),
        "dev_seed42_n200_ci90": agg(per_dev, 42, n_samples=200, confidence_interval=0.9),
        "excerpt20_stem_seed0": agg(per_ex, 0),
        "excerpt20_stem_seed7": agg(per_ex, 7),
        "excerpt20_stem_seed0_ci50_n31": agg(per_ex, 0, n_samples=31, confidence_interval=0.5),
    }
    # Hugging Face evaluate's rouge (metrics/rouge/rouge.py, _compute unmodified) after np.random.seed.
    mod = import_evaluate_metric(evaluate_src, "rouge")
    metric = mod.Rouge()

    def hf(preds, refs, seed, **kw):
        np.random.seed(seed)
        r = metric._compute(predictions=preds, references=refs, **kw)
        return {k: (float(v) if not isinstance(v, list) else [float(x) for x in v]) for k, v in r.items()}

    dp = pairs_dialogsum(dev, False)
    tp = pairs_dialogsum(test, True)
    gp = pairs_gsm(gsm[:20], False)
    out["evaluate"] = {
        "dev_seed0": hf([p for p, _ in dp], [t for _, t in dp], 0),
        "dev_stem_seed1": hf([p for p, _ in dp], [t for _, t in dp], 1, use_stemmer=True),
        "test_multi_seed0": hf([p for p, _ in tp], [t for _, t in tp], 0),
        "excerpt20_seed0": hf([p for p, _ in gp], [t for _, t in gp], 0),
        "excerpt20_no_aggregator": hf([p for p, _ in gp], [t for _, t in gp], 0, use_aggregator=False),
        "excerpt20_split_tokenizer_seed3": hf([p for p, _ in gp], [t for _, t in gp], 3, tokenizer=lambda x: x.split(),
                                              rouge_types=["rouge1", "rougeL"]),
    }

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
                # scheme None: seqeval's classification_report detects it (auto_detect(y_true)).
                r = classification_report(yt, yp, mode="strict", scheme=schemes[scheme] if scheme else None, **kw)
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
            "strict_auto_iob2": report(gold, pred, "strict"),
            "strict_auto_iobes": report([I.to_iobes(s) for s in gold], [I.to_iobes(s) for s in pred], "strict"),
            "strict_auto_bilou": report([I.to_iobes(s, "U", "L") for s in gold], [I.to_iobes(s, "U", "L") for s in pred], "strict"),
            "strict_auto_suffix": report([I.to_suffix(s) for s in gold], [I.to_suffix(s) for s in pred], "strict", suffix=True),
        }
        try:  # IOB1 tags have prefixes {I, O} (B only between same-type chunks): no scheme fits
            c["strict_auto_iob1"] = report([I.to_iob1(s) for s in gold], [I.to_iob1(s) for s in pred], "strict")
        except ValueError as e:
            c["strict_auto_iob1"] = {"error": str(e)}
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
    from seqeval.scheme import auto_detect
    detect = []
    for seq in edge_seqs + [["B-PER", "E-PER", "O"], ["I-PER", "E-PER", "O"], ["S-PER"], ["U-PER", "O"], ["O"]]:
        try:
            detect.append([seq, auto_detect([seq]).__name__])
        except ValueError:
            detect.append([seq, "error"])
    out["auto_detect"] = detect
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


def classification_more_reference():
    """Multilabel P/R/F (all averages), accuracy (subset), confusion matrices and Matthews'
    correlation with scikit-learn on real data."""
    import sklearn
    import numpy as np
    from sklearn.metrics import (precision_recall_fscore_support as prfs, accuracy_score, confusion_matrix,
                                 matthews_corrcoef, multilabel_confusion_matrix)

    def fl(x):
        v = x.tolist() if hasattr(x, "tolist") else x
        if isinstance(v, list):
            return [fl(e) for e in v]
        return None if v is None else float(v)

    def run(yt, yp, **kw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p, r, fs, s = prfs(yt, yp, **kw)
        return {"precision": fl(p), "recall": fl(r), "fscore": fl(fs), "support": fl(s)}

    def multilabel(sents):
        gold = [[t for _, t in s] for s in sents]
        pred = I.perturb_tags(gold)
        yt = np.array([I.entity_type_indicator(s) for s in gold])
        yp = np.array([I.entity_type_indicator(s) for s in pred])
        c = {"n": len(yt), "n_true_labels": int(yt.sum()), "n_pred_labels": int(yp.sum()),
             "subset_accuracy": float(accuracy_score(yt, yp))}
        w = [(i % 4) + 1 for i in range(len(yt))]
        for avg in (None, "micro", "macro", "weighted", "samples"):
            c[f"avg_{avg}"] = run(yt, yp, average=avg)
            c[f"avg_{avg}_labels_3_0_5"] = run(yt, yp, average=avg, labels=[3, 0, 5])
            c[f"avg_{avg}_weights"] = run(yt, yp, average=avg, sample_weight=w)
        for z in (0, 1):
            c[f"samples_zero_division_{z}"] = run(yt, yp, average="samples", zero_division=z)
        c["samples_beta_2"] = run(yt, yp, average="samples", beta=2)
        c["subset_accuracy_weights"] = float(accuracy_score(yt, yp, sample_weight=w))
        c["mcm"] = fl(multilabel_confusion_matrix(yt, yp))
        c["mcm_samplewise_head"] = fl(multilabel_confusion_matrix(yt, yp, samplewise=True)[:20])
        return c

    def tags_multiclass(sents):
        gold = [[t for _, t in s] for s in sents]
        yt = [t for s in gold for t in s]
        yp = [t for s in I.perturb_tags(gold) for t in s]
        labels = sorted(set(yt) | set(yp))
        no_o = [l for l in labels if l != "O"]
        w = [(i % 3) + 1 for i in range(len(yt))]
        c = {"labels": labels, "mcc": float(matthews_corrcoef(yt, yp)),
             "mcc_weights": float(matthews_corrcoef(yt, yp, sample_weight=w)),
             "cm": fl(confusion_matrix(yt, yp)), "cm_no_O": fl(confusion_matrix(yt, yp, labels=no_o)),
             "cm_weights": fl(confusion_matrix(yt, yp, sample_weight=w))}
        for norm in ("true", "pred", "all"):
            c[f"cm_{norm}"] = fl(confusion_matrix(yt, yp, normalize=norm))
            c[f"cm_no_O_{norm}"] = fl(confusion_matrix(yt, yp, labels=no_o + ["B-absent"], normalize=norm))
        return c

    def binary(pos, neg):
        texts = pos + neg
        yt = [1] * len(pos) + [0] * len(neg)
        yp = [I.lexicon_predict(t) for t in texts]
        return {"n": len(yt), "accuracy": float(accuracy_score(yt, yp)), "mcc": float(matthews_corrcoef(yt, yp)),
                "cm": fl(confusion_matrix(yt, yp)), "cm_labels_1_0": fl(confusion_matrix(yt, yp, labels=[1, 0])),
                "binary": run(yt, yp, average="binary"),
                "mcc_strings": float(matthews_corrcoef(["pos" if v else "neg" for v in yt], ["pos" if v else "neg" for v in yp]))}

    dev = I.read_conll(os.path.join(I.DATA, "wnut17", "emerging.dev.conll"))
    test = I.read_conll(os.path.join(I.DATA, "wnut17", "emerging.test.annotated"))
    pos, neg = I.rt_polarity("pos"), I.rt_polarity("neg")
    write_fixture("rt-polarity.pos.head100", pos[:100])
    write_fixture("rt-polarity.neg.head100", neg[:100])
    out = {"tool": "scikit-learn", "version": sklearn.__version__, "source": "Debian python3-sklearn"}
    out["multilabel_wnut17_dev"] = multilabel(dev)
    out["multilabel_wnut17_test"] = multilabel(test)
    out["multilabel_wnut17_dev_head120"] = multilabel(dev[:120])
    out["tags_wnut17_dev"] = tags_multiclass(dev)
    out["tags_wnut17_dev_head120"] = tags_multiclass(dev[:120])
    out["rt_polarity"] = binary(pos, neg)
    out["rt_polarity_head100"] = binary(pos[:100], neg[:100])
    labels, texts = I.sst2_dev()
    pred = [I.lexicon_predict(t) for t in texts]
    out["sst2_dev_lexicon"] = {"mcc": float(matthews_corrcoef(labels, pred)), "cm": fl(confusion_matrix(labels, pred))}
    small = {
        "mcc_constant_pred": float(matthews_corrcoef([0, 1, 1, 0], [1, 1, 1, 1])),
        "mcc_perfect_multiclass": float(matthews_corrcoef([0, 1, 2, 2], [0, 1, 2, 2])),
        "cm_empty_labels_given": fl(confusion_matrix([], [], labels=[0, 1])),
        "cm_duplicate_label": fl(confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], labels=[0, 1, 1, 2])),
    }
    out["small"] = small
    return out


def scipy_reference():
    """Pearson and Spearman correlations with their p-values (scipy.stats) on pairs from real data."""
    import scipy
    from scipy.stats import pearsonr, spearmanr

    def both(x, y):
        p = pearsonr(x, y)
        s = spearmanr(x, y)
        return {"x": x, "y": y, "pearson": [float(p[0]), float(p[1])], "spearman": [float(s[0]), float(s[1])]}

    def wnut(sents):
        gold = [[t for _, t in s] for s in sents]
        pred = I.perturb_tags(gold)
        length = [len(s) for s in gold]
        ents = [sum(t != "O" for t in s) for s in gold]
        ents_pred = [sum(t != "O" for t in s) for s in pred]
        return {"length_vs_entity_tokens": both(length, ents), "gold_vs_pred_entity_tokens": both(ents, ents_pred)}

    def gsm(records):
        q = [len(r["question"].split()) for r in records]
        a = [len(r["answer"].split()) for r in records]
        ans = [float(I.final_answer(r["answer"]).replace(",", "")) for r in records]
        return {"question_vs_answer_words": both(q, a), "answer_words_vs_final_answer": both(a, ans)}

    def rt(pos, neg):
        texts = pos + neg
        return {"lexicon_score_vs_label": both([I.lexicon_score(t) for t in texts], [1] * len(pos) + [0] * len(neg))}

    dev = I.read_conll(os.path.join(I.DATA, "wnut17", "emerging.dev.conll"))
    gsm8k = I.gsm8k("test")
    pos, neg = I.rt_polarity("pos"), I.rt_polarity("neg")
    out = {"tool": "scipy", "version": scipy.__version__, "source": "Debian python3-scipy"}
    out["wnut17_dev"] = wnut(dev)
    out["wnut17_dev_head120"] = wnut(dev[:120])
    out["gsm8k_test"] = gsm(gsm8k)
    out["gsm8k_test_head20"] = gsm(gsm8k[:20])
    out["rt_polarity"] = rt(pos, neg)
    out["rt_polarity_head100"] = rt(pos[:100], neg[:100])
    out["small"] = {
        "n3": both([1.0, 2.0, 4.0], [1.0, 3.0, 2.0]),
        "n2": both([1.0, 2.0], [5.0, 3.0]),
        "ties": both([1, 1, 2, 2, 3, 3, 3], [2, 1, 4, 3, 5, 5, 6]),
        "perfect": both([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]),
        "anti": both([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]),
    }
    return out


def evaluate_reference(evaluate_src):
    """Hugging Face evaluate's exact_match, matthews_correlation (multilabel), confusion_matrix,
    pearsonr and spearmanr: their metrics/<name>/<name>.py loaded unmodified (see
    import_evaluate_metric) and `_compute` called as `evaluate.load(name).compute` would."""
    import numpy as np
    out = {"tool": "huggingface/evaluate", "source": evaluate_src, "describe": git_describe(evaluate_src)}
    em = import_evaluate_metric(evaluate_src, "exact_match").ExactMatch()
    gsm = I.gsm8k("test")

    def em_cases(records):
        refs = [I.final_answer(r["answer"]) for r in records]
        preds = [I.em_prediction(a, i) for i, a in enumerate(refs)]
        opts = {
            "plain": {},
            "ignore_case": {"ignore_case": True},
            "ignore_punctuation": {"ignore_punctuation": True},
            "ignore_numbers": {"ignore_numbers": True},
            "regexes": {"regexes_to_ignore": ["The answer is ", "^ANSWER: "]},
            "all": {"regexes_to_ignore": ["the answer is "], "ignore_case": True, "ignore_punctuation": True,
                    "ignore_numbers": False},
            "case_punct": {"ignore_case": True, "ignore_punctuation": True},
        }
        return {"n": len(refs), **{k: float(em._compute(predictions=preds, references=refs, **o)["exact_match"])
                                   for k, o in opts.items()}}

    out["exact_match_gsm8k_test"] = em_cases(gsm)
    out["exact_match_gsm8k_test_head20"] = em_cases(gsm[:20])
    mcc = import_evaluate_metric(evaluate_src, "matthews_correlation").MatthewsCorrelation(config_name="multilabel")
    dev = I.read_conll(os.path.join(I.DATA, "wnut17", "emerging.dev.conll"))

    def ml(sents):
        gold = [[t for _, t in s] for s in sents]
        pred = I.perturb_tags(gold)
        yt = [I.entity_type_indicator(s) for s in gold]
        yp = [I.entity_type_indicator(s) for s in pred]
        return {"per_label": [float(v) for v in mcc._compute(predictions=yp, references=yt)["matthews_correlation"]],
                "macro": float(mcc._compute(predictions=yp, references=yt, average="macro")["matthews_correlation"])}

    out["matthews_multilabel_wnut17_dev"] = ml(dev)
    out["matthews_multilabel_wnut17_dev_head120"] = ml(dev[:120])
    cm = import_evaluate_metric(evaluate_src, "confusion_matrix").ConfusionMatrix()
    pos, neg = I.rt_polarity("pos")[:100], I.rt_polarity("neg")[:100]
    yt = [1] * 100 + [0] * 100
    yp = [I.lexicon_predict(t) for t in pos + neg]
    out["confusion_matrix_rt_head100"] = {n: np.asarray(cm._compute(predictions=yp, references=yt, normalize=n)["confusion_matrix"]).tolist()
                                          for n in (None, "true")}
    pr = import_evaluate_metric(evaluate_src, "pearsonr").Pearsonr()
    sr = import_evaluate_metric(evaluate_src, "spearmanr").Spearmanr()
    q = [len(r["question"].split()) for r in gsm[:20]]
    a = [len(r["answer"].split()) for r in gsm[:20]]
    out["pearsonr_gsm8k_head20"] = {k: float(v) for k, v in pr._compute(predictions=q, references=a, return_pvalue=True).items()}
    out["spearmanr_gsm8k_head20"] = {k: float(v) for k, v in sr._compute(predictions=q, references=a, return_pvalue=True).items()}
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
    ap.add_argument("--evaluate-src", required=True)
    ap.add_argument("--only", nargs="*", help="compute only these outputs (default: all)")
    a = ap.parse_args()
    jobs = {
        "sacrebleu": lambda: dump("sacrebleu.json.gz", sacrebleu_reference(a.sacrebleu_src), gz=True),
        "rouge": lambda: dump("rouge-score.json.gz", rouge_reference(a.rouge_src, a.evaluate_src), gz=True),
        "porter": lambda: dump("nltk-porter.json.gz", porter_reference(), gz=True),
        "seqeval": lambda: dump("seqeval.json", seqeval_reference(a.seqeval_src)),
        "sklearn": lambda: dump("sklearn.json", sklearn_reference()),
        "sklearn-more": lambda: dump("sklearn-more.json.gz", classification_more_reference(), gz=True),
        "scipy": lambda: dump("scipy.json.gz", scipy_reference(), gz=True),
        "evaluate": lambda: dump("evaluate.json", evaluate_reference(a.evaluate_src)),
        "perplexity": lambda: dump("perplexity.json", perplexity_reference()),
    }
    for name, job in jobs.items():
        if not a.only or name in a.only:
            job()


if __name__ == "__main__":
    main()
