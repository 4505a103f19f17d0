#!/usr/bin/env python3
"""Cuts the excerpts in this folder from the project's shared data (default ../../shared/data, or
$GPTFT_DATA). Run from anywhere: /usr/bin/python3 test-data/make_excerpts.py. Only permissively
licensed sets are copied (see README.md); the output is byte-identical on every run."""
import gzip
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("GPTFT_DATA", os.path.join(HERE, "..", "..", "shared", "data"))


def src(*p):
    return os.path.join(DATA, *p)


def out(*p):
    path = os.path.join(HERE, *p)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def head_sentences(name_in, name_out, n):
    """The first n sentences, byte for byte: a sentence ends at a line that is empty or whitespace
    only (WNUT-17 train separates sentences with a line holding one tab), which is kept."""
    with open(src(*name_in), "rb") as f:
        lines = f.read().split(b"\n")
    kept, count, in_sentence = [], 0, False
    for line in lines:
        kept.append(line)
        if line.strip() == b"":
            if in_sentence:
                count += 1
                in_sentence = False
                if count == n:
                    break
        else:
            in_sentence = True
    with open(out(*name_out), "wb") as f:
        f.write(b"\n".join(kept) + (b"" if kept[-1] == b"" else b"\n"))


def head_chars(name_in, name_out, n):
    """The first lines of a text file, up to the first line end at or after n characters."""
    with open(src(*name_in), encoding="utf-8", newline="") as f:
        text = f.read()
    end = text.index("\n", n) + 1
    with open(out(*name_out), "w", encoding="utf-8", newline="") as f:
        f.write(text[:end])


def gzip_copy(name_in, name_out):
    with open(src(*name_in), "rb") as f, gzip.GzipFile(out(*name_out), "wb", mtime=0) as g:
        g.write(f.read())


head_sentences(("wnut17", "wnut17train.conll"), ("wnut17", "wnut17train.conll"), 64)
head_sentences(("wnut17", "emerging.dev.conll"), ("wnut17", "emerging.dev.conll"), 64)
head_sentences(("ud-english-ewt", "en_ewt-ud-train.conllu"), ("ud-english-ewt", "en_ewt-ud-train.conllu"), 40)
head_sentences(("ud-english-ewt", "en_ewt-ud-dev.conllu"), ("ud-english-ewt", "en_ewt-ud-dev.conllu"), 20)
shutil.copyfile(src("ud-english-ewt", "LICENSE.txt"), out("ud-english-ewt", "LICENSE.txt"))
head_chars(("wikitext-2", "valid.txt"), ("wikitext-2", "valid.txt"), 40_000)
head_chars(("wikitext-2", "test.txt"), ("wikitext-2", "test.txt"), 40_000)
gzip_copy(("tiny-shakespeare", "input.txt"), ("tiny-shakespeare", "input.txt.gz"))
gzip_copy(("wnut17", "emerging.dev.conll"), ("wnut17", "full", "emerging.dev.conll.gz"))
gzip_copy(("wnut17", "emerging.test.annotated"), ("wnut17", "full", "emerging.test.annotated.gz"))
gzip_copy(("fastchat", "dummy_conversation.json"), ("fastchat", "dummy_conversation.json.gz"))
for root, _, files in sorted(os.walk(HERE)):
    for name in sorted(files):
        if name not in ("make_excerpts.py", "README.md"):
            p = os.path.join(root, name)
            print(os.path.relpath(p, HERE), os.path.getsize(p))
