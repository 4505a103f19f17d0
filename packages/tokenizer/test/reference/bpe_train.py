#!/usr/bin/env python3
"""Independent reference for @gptft/tokenizer's trainByteLevelBpe: the classic (Sennrich et al.
2016 / GPT-2) byte-level BPE learner, written from scratch in plain Python.

It recomputes every pair count from the words at every step (no incremental bookkeeping, no heap),
so it shares no data structure with the TypeScript trainer. The conventions it follows are those of
Hugging Face `tokenizers`' BpeTrainer, as used by `ByteLevelBPETokenizer.train`:

- each input text is pre-tokenized on its own with GPT-2's regex (Python `regex`, as OpenAI ran it)
  and every chunk is turned into its UTF-8 bytes written with GPT-2's byte-to-unicode characters;
- ids: the special tokens first, then all 256 byte characters sorted by code point, then each new
  merged token in the order it was created (a merge whose result already exists reuses its id);
- each step merges the most frequent adjacent pair (overlapping occurrences counted, as
  `count_pairs` does); ties go to the pair with the smallest (left id, right id);
- a step replaces the pair left to right, without overlaps, in every word;
- training stops when the vocabulary has `vocab_size` entries, when no pair is left, or when the
  best pair's count is below `min_frequency`.

Usage (how the fixtures in test/fixtures/bpe-reference/ were made, from the repository root):
    /usr/bin/python3 packages/tokenizer/test/reference/bpe_train.py \
        ../shared/data/tiny-shakespeare/input.txt 1115394 2000 2 \
        packages/tokenizer/test/fixtures/bpe-reference/shakespeare-2000
    /usr/bin/python3 packages/tokenizer/test/reference/bpe_train.py \
        packages/tokenizer/test/fixtures/openai-reference/lines.jsonl 0 1500 2 \
        packages/tokenizer/test/fixtures/bpe-reference/openai-lines-1500
Arguments: corpus file, number of characters to read from its start, vocab size, min frequency,
output folder (writes vocab.json and merges.txt). A text corpus slice is split into lines, each
keeping its "\\n", and every line is one text (as `tokenizers` reads training files); for a
.jsonl corpus every line's "text" field is one text (the character count is then ignored).
"""
import json
import os
import sys
from collections import Counter

import regex

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
SPECIAL_TOKENS = ["<|endoftext|>"]


def bytes_to_unicode():
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def train(texts, vocab_size, min_frequency, special_tokens):
    byte_char = bytes_to_unicode()
    pattern = regex.compile(GPT2_PATTERN)
    word_counts = Counter()
    for text in texts:
        for chunk in pattern.findall(text):
            word_counts["".join(byte_char[b] for b in chunk.encode("utf-8"))] += 1

    id_to_token = []
    token_to_id = {}

    def add(token):
        if token not in token_to_id:
            token_to_id[token] = len(id_to_token)
            id_to_token.append(token)
        return token_to_id[token]

    for t in special_tokens:
        add(t)
    for ch in sorted(byte_char.values()):
        add(ch)

    words = [[token_to_id[c] for c in w] for w in word_counts]
    freqs = list(word_counts.values())
    merges = []
    while len(token_to_id) < vocab_size:
        stats = Counter()
        for w, f in zip(words, freqs):
            for i in range(len(w) - 1):
                stats[(w[i], w[i + 1])] += f
        if not stats:
            break
        (a, b), count = max(stats.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))
        if count < min_frequency:
            break
        new_id = add(id_to_token[a] + id_to_token[b])
        merges.append((id_to_token[a], id_to_token[b]))
        for k, w in enumerate(words):
            if len(w) < 2:
                continue
            out = []
            i = 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    out.append(new_id)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            words[k] = out
    return token_to_id, merges


def main():
    corpus, chars, vocab_size, min_frequency, out_dir = sys.argv[1:6]
    with open(corpus, encoding="utf-8", newline="") as f:
        if corpus.endswith(".jsonl"):
            texts = [json.loads(line)["text"] for line in f if line.strip()]
        else:
            text = f.read()[: int(chars)]
            texts = regex.findall(r"[^\n]*\n|[^\n]+$", text)
    vocab, merges = train(texts, int(vocab_size), int(min_frequency), SPECIAL_TOKENS)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    print(f"{len(vocab)} tokens, {len(merges)} merges, {len(texts)} texts", file=sys.stderr)


if __name__ == "__main__":
    main()
