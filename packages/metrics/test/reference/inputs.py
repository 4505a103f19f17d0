"""Deterministic inputs shared by the reference scripts (mirrored in ../inputs.ts).

Every system output here is a reproducible perturbation of real data (no model is involved);
../inputs.ts implements the same functions for the TypeScript tests, and the tests check that both
sides saw the same inputs (sizes and a few sample lines are stored in the JSON).
"""

import json
import os

DATA = os.environ.get("GPTFT_DATA", os.path.join(os.path.dirname(__file__), "../../../../../shared/data"))


def read_lines(path):
    """Lines of a text file without their newline (a final newline does not add a line)."""
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def drop_every(line, k):
    """Drops every k-th word (words split on single spaces)."""
    words = line.split(" ")
    return " ".join(w for i, w in enumerate(words) if (i + 1) % k != 0)


def multi30k(name):
    return read_lines(os.path.join(DATA, "multi30k", name))


def dialogsum(split):
    with open(os.path.join(DATA, "dialogsum", f"dialogsum.{split}.jsonl"), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def lead_two_turns(dialogue):
    """The 'system summary': the first two turns of the dialogue, one per line."""
    return "\n".join(dialogue.split("\n")[:2])


def sentence_lines(summary):
    """Reference summary with one sentence per line, for ROUGE-Lsum."""
    return summary.replace(". ", ".\n")


def read_conll(path):
    """Sentences of (token, tag) from a CoNLL file; whitespace-only lines end sentences."""
    sents, cur = [], []
    for line in read_lines(path):
        if line.strip() == "":
            if cur:
                sents.append(cur)
                cur = []
            continue
        parts = line.split("\t")
        cur.append((parts[0], parts[-1]))
    if cur:
        sents.append(cur)
    return sents


WNUT_TYPES = ["corporation", "creative-work", "group", "location", "person", "product"]


def perturb_tags(sents):
    """A deterministic 'tagger' that makes realistic mistakes on gold IOB2 tags.

    k counts tokens across all sentences. In order of precedence:
    k%11==3 and B-X -> I-X (a chunk that starts with I-); k%61==5 and O -> B-<type k%6> (spurious entity);
    k%17==7 and I-X -> O (truncated entity); k%19==2 and not O -> same prefix, next type (type error);
    k%67==9 and O -> I-<type k%6> (spurious entity starting with I-).
    """
    out, k = [], 0
    for sent in sents:
        cur = []
        for t in sent:
            p = t
            if k % 11 == 3 and t.startswith("B-"):
                p = "I-" + t[2:]
            elif k % 61 == 5 and t == "O":
                p = "B-" + WNUT_TYPES[k % 6]
            elif k % 17 == 7 and t.startswith("I-"):
                p = "O"
            elif k % 19 == 2 and t != "O":
                p = t[:2] + WNUT_TYPES[(WNUT_TYPES.index(t[2:]) + 1) % 6]
            elif k % 67 == 9 and t == "O":
                p = "I-" + WNUT_TYPES[k % 6]
            cur.append(p)
            k += 1
        out.append(cur)
    return out


def _split(tag):
    return ("O", None) if tag == "O" else (tag[0], tag[2:])


def to_iobes(seq, single="S", last="E"):
    """Token-wise IOB2 -> IOBES (or BILOU with single='U', last='L'); I- after O stays an inside tag."""
    out = []
    for i, tag in enumerate(seq):
        p, t = _split(tag)
        nxt = seq[i + 1] if i + 1 < len(seq) else "O"
        cont = nxt == "I-" + t if t is not None else False
        if p == "B":
            out.append(("B-" if cont else single + "-") + t)
        elif p == "I":
            out.append(("I-" if cont else last + "-") + t)
        else:
            out.append(tag)
    return out


def to_iob1(seq):
    """Token-wise IOB2 -> IOB1: B- only where the previous tag is the same type; else I-."""
    out = []
    for i, tag in enumerate(seq):
        p, t = _split(tag)
        if p == "B":
            prev = seq[i - 1] if i > 0 else "O"
            pp, pt = _split(prev)
            out.append(("B-" if pp in ("B", "I") and pt == t else "I-") + t)
        else:
            out.append(tag)
    return out


def to_suffix(seq):
    """B-X -> X-B (seqeval's suffix=True style)."""
    return [t if t == "O" else t[2:] + "-" + t[0] for t in seq]


NEGATIVE = {"bad", "worst", "dull", "boring", "mess", "fails", "lack", "nothing", "stupid", "flat", "tedious", "poorly", "never", "unfunny", "no", "not", "too", "awful", "waste"}
POSITIVE = {"good", "best", "great", "fun", "funny", "beautiful", "wonderful", "entertaining", "love", "fascinating", "well", "moving", "brilliant", "enjoyable", "charming", "works", "powerful", "fresh", "remarkable"}


def lexicon_predict(sentence):
    """A tiny keyword sentiment 'classifier' for SST-2 (1 positive, 0 negative)."""
    words = sentence.split(" ")
    pos = sum(w in POSITIVE for w in words)
    neg = sum(w in NEGATIVE for w in words)
    return 1 if pos >= neg else 0


def sst2_dev():
    rows = read_lines(os.path.join(DATA, "sst2", "dev.tsv"))[1:]
    labels, texts = [], []
    for r in rows:
        label, text = r.split("\t", 1)
        labels.append(int(label))
        texts.append(text)
    return labels, texts


# ---------------------------------------------------------------- permissive data for the committed excerpts
def gutenberg_paragraphs(book, start=10, n=40):
    """Paragraphs (blank-line separated, lines joined by a space) of a public-domain Gutenberg book."""
    with open(os.path.join(DATA, "gutenberg", f"{book}.txt"), encoding="utf-8", newline="") as f:
        text = f.read().replace("\r\n", "\n")
    paras = [" ".join(p.split("\n")).strip() for p in text.split("\n\n")]
    paras = [p for p in paras if p]
    return paras[start:start + n]


def gsm8k(split):
    with open(os.path.join(DATA, "gsm8k", f"{split}.jsonl"), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def question_lines(question):
    """The 'system summary' for ROUGE on GSM8K: the question, one sentence per line."""
    return question.replace(". ", ".\n")


def gsm8k_targets(record):
    """Three references for score_multi: the worked answer (one step per line), its final line,
    and the question's last sentence."""
    q = record["question"].split(". ")
    return [record["answer"], record["answer"].split("\n")[-1], q[-1]]


def final_answer(answer):
    """The number after '#### ' in a GSM8K answer."""
    return answer.split("#### ")[-1].strip()


def em_prediction(ans, i):
    """A deterministic 'system answer' for exact_match: exact, or off by case, punctuation, a
    prefix, a currency sign or a digit."""
    k = i % 6
    if k == 0:
        return ans + "."
    if k == 1:
        return "The answer is " + ans
    if k == 2:
        return ans + "0"
    if k == 3:
        return "$" + ans
    if k == 4:
        return ans
    return "ANSWER: " + ans


def rt_polarity(name):
    """Lines of rt-polarity.pos / .neg (Pang & Lee 2005, CC BY 4.0), without trailing spaces."""
    return [l.rstrip() for l in read_lines(os.path.join(DATA, "nltk-sentence-polarity", f"rt-polarity.{name}"))]


def lexicon_score(sentence):
    """Positive minus negative keyword count (the continuous score behind lexicon_predict)."""
    words = sentence.split(" ")
    return sum(w in POSITIVE for w in words) - sum(w in NEGATIVE for w in words)


def entity_type_indicator(tags):
    """Multilabel target of a sentence: 1 for each WNUT type that has a tag (B- or I-) in it."""
    present = {t[2:] for t in tags if t != "O"}
    return [1 if ty in present else 0 for ty in WNUT_TYPES]


def swap_halves(line):
    """The second half of the words, then the first half (a block shift for TER)."""
    words = line.split(" ")
    h = len(words) // 2
    return " ".join(words[h:] + words[:h])
