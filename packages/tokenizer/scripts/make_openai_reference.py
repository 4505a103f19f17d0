#!/usr/bin/env python3
"""Reference GPT-2 token ids from OpenAI's own encoder, for @gptft/tokenizer's tests.

Runs OpenAI's `encoder.py` (scripts/openai_gpt2_encoder.py, verbatim) with the `regex` module
(Debian: `apt-get install python3-regex`) over GPT-2's original vocabulary files and writes:

  test/fixtures/openai-reference/lines.jsonl   {"source", "text", "ids"} per line (~2800 texts)
  test/fixtures/openai-reference/pg1661.ids.u16le   ids of test/fixtures/pg1661.txt, uint16 LE

Texts: lines from several public data sets (see test/fixtures/openai-reference/SOURCE.md) plus
hand-written and seeded-random edge cases (whitespace classes, control characters, scripts,
emoji, long runs).

Usage (from packages/tokenizer):
  python3 scripts/make_openai_reference.py --data /work/shared/data
"""
import argparse
import hashlib
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
from openai_gpt2_encoder import Encoder  # noqa: E402

# sha256 of OpenAI's gpt2 encoder.json / vocab.bpe (as pinned by tiktoken).
VOCAB_SHA = "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"
MERGES_SHA = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "test", "fixtures")


def load_encoder(folder):
    vocab_path = os.path.join(folder, "vocab.json")
    merges_path = os.path.join(folder, "merges.txt")
    for path, sha in ((vocab_path, VOCAB_SHA), (merges_path, MERGES_SHA)):
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        if digest != sha:
            sys.exit(f"{path}: sha256 {digest} is not OpenAI's GPT-2 file")
    # Exactly get_encoder() of encoder.py, with the file names HF uses.
    with open(vocab_path, "r") as f:
        encoder = json.load(f)
    with open(merges_path, "r", encoding="utf-8") as f:
        bpe_data = f.read()
    bpe_merges = [tuple(merge_str.split()) for merge_str in bpe_data.split("\n")[1:-1]]
    return Encoder(encoder=encoder, bpe_merges=bpe_merges)


def edge_cases():
    cases = [
        "Hello\u0085world",  # NEL: whitespace for Python's regex, not for JavaScript's \s
        "\ufeffBOM at the start",  # ZWNBSP: whitespace for JavaScript's \s, not for Python's
        "a\ufeff b \ufeff\ufeff c",
        "x \u0085 y\u0085\u0085z",
        # Where JavaScript's \s would cut differently (gpt-tokenizer's r50k pattern does):
        "!\u0085?",
        "x\u0085!",
        "a \ufeff!",
        ".\ufeff.",
        "\ufeff\ufeff!!",
        "end.\u0085",
        "a\ufeff\ufeffb",
        "file\x1c\x1d\x1e\x1fseparators",
        "tab\t\tx\ty",
        "   leading spaces",
        "trailing spaces   ",
        "\n\n\nnewlines\n\n",
        "a\r\nb\rc",
        " \n \n ",
        "'S 'T 'RE 'VE 'M 'LL 'D uppercase contractions",
        "it's we'll they've I'm you'd 'tis rock'n'roll",
        "'''quoted'''",
        "1234567890123456789 and 3.14159",
        "\u0663\u0664\u0665 Arabic-Indic digits, \u216b roman numeral, \u00bd half",
        "\u6771\u4eac\u30bf\u30ef\u30fc \ud55c\uad6d\uc5b4 \u05e2\u05d1\u05e8\u05d9\u05ea \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
        "family \U0001F469\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466 flags \U0001F1FA\U0001F1F8\U0001F1EC\U0001F1E7",
        "e\u0301 combining, Z\u0324\u0354\u0367\u0311a\u0308\u0356",
        "<|endoftext|>",
        "<|endoftext|><|endoftext|> and <|endoftext|>.",
        "x" * 300,
        "ab" * 200,
        " " * 1000 + "x",
        "\u00a0nbsp\u00a0 \u3000ideographic\u2028line\u2029para\u202fnarrow\u205fmath\u1680ogham",
        "mixed123abc456",
        "$100.00!!! ... ?!?! ---",
        "http://example.com/path?q=1&r=2#frag",
        "C++ && x->y || a::b",
        "null\x00byte and \x7f delete",
        "\U0001D518\U0001D52B\U0001D526\U0001D520\U0001D52C\U0001D521\U0001D522 math letters",
        "\uff46\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48",
        "\U0001F916\U0001F916\U0001F916",
        "caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00fcber",
        "\u00e9" * 100,
        "\U0001F600" * 50,
        "    indented code\n\tdef f(x):\n\t\treturn x  # comment\n",
        "",
        " ",
        "\n",
        "a",
    ]
    rng = random.Random(1234)
    pool = (
        list(" \t\n\r\u00a0\u0085\ufeff\u2003\u3000")
        + list("abcXYZ\u00e9\u00df\u0436\u03b1\u05d0\u0628\u4e2d\u3042\ud55c")
        + list("0129\u0663\u00bd\u2167")
        + list(".,'!?-_()[]{}<|>@#$%^&*/\\\"`~")
        + ["\U0001F600", "\U0001F916", "\u200d", "\u0301", "'s", "'ll", "\U0001D518"]
    )
    for _ in range(30):
        cases.append("".join(rng.choice(pool) for _ in range(rng.randint(5, 120))))
    for _ in range(20):
        chars = []
        while len(chars) < 80:
            cp = rng.randint(0x20, 0x2FFFF)
            if 0xD800 <= cp <= 0xDFFF:
                continue
            chars.append(chr(cp))
        cases.append("".join(chars))
    return cases


def collect_texts(data):
    items = []

    def add(source, texts, limit):
        n = 0
        for t in texts:
            if n >= limit:
                break
            if t.strip():
                items.append((source, t))
                n += 1

    with open(os.path.join(data, "wikitext-2", "test.txt"), encoding="utf-8") as f:
        add("wikitext-2/test.txt", (line.rstrip("\n") for line in f), 400)
    with open(os.path.join(data, "sms-spam", "SMSSpamCollection.tsv"), encoding="utf-8") as f:
        next(f)
        add("sms-spam/SMSSpamCollection.tsv", (line.rstrip("\n").split("\t", 1)[1] for line in f), 1000)
    with open(os.path.join(data, "ud-english-ewt", "en_ewt-ud-dev.conllu"), encoding="utf-8") as f:
        add(
            "ud-english-ewt/en_ewt-ud-dev.conllu",
            (line[len("# text = "):].rstrip("\n") for line in f if line.startswith("# text = ")),
            1000,
        )
    with open(os.path.join(data, "gsm8k", "test.jsonl"), encoding="utf-8") as f:
        add("gsm8k/test.jsonl", (json.loads(line)["question"] + "\n" + json.loads(line)["answer"] for line in f), 150)
    with open(os.path.join(data, "self-instruct", "user_oriented_instructions.jsonl"), encoding="utf-8") as f:
        rows = (json.loads(line) for line in f)
        add(
            "self-instruct/user_oriented_instructions.jsonl",
            (r["instruction"] + "\n\n" + r["instances"][0]["input"] for r in rows),
            200,
        )
    for t in edge_cases():
        items.append(("edge-cases (scripts/make_openai_reference.py)", t))
    return items


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/work/shared/data", help="the shared data folder")
    args = ap.parse_args()
    enc = load_encoder(os.path.join(args.data, "gpt2-tokenizer"))
    out_dir = os.path.join(FIXTURES, "openai-reference")
    os.makedirs(out_dir, exist_ok=True)

    items = collect_texts(args.data)
    with open(os.path.join(out_dir, "lines.jsonl"), "w", encoding="utf-8") as f:
        for source, text in items:
            ids = enc.encode(text)
            assert enc.decode(ids) == text
            f.write(json.dumps({"source": source, "text": text, "ids": ids}, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"lines.jsonl: {len(items)} texts")

    with open(os.path.join(FIXTURES, "pg1661.txt"), encoding="utf-8", newline="") as f:
        novel = f.read()
    ids = enc.encode(novel)
    assert enc.decode(ids) == novel
    with open(os.path.join(out_dir, "pg1661.ids.u16le"), "wb") as f:
        f.write(struct.pack(f"<{len(ids)}H", *ids))
    print(f"pg1661.ids.u16le: {len(ids)} ids")


if __name__ == "__main__":
    main()
