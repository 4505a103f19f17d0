"""Stems of words with characters outside the Basic Multilingual Plane (emoji, mathematical
letters, Deseret), computed by NLTK's PorterStemmer in its three modes. NLTK counts code points
(Python str); a JavaScript string counts UTF-16 code units, so these words catch a port that
confuses the two. Run: /usr/bin/python3 make_porter_unicode.py > nltk-porter-unicode.json
"""
import json

import nltk
from nltk.stem import porter

E = "\U0001F600"  # 😀, one code point, two UTF-16 code units
F = "\U0001F41F"  # 🐟
M = "\U0001D4B6"  # 𝒶 (mathematical script small a: not a vowel to Porter)
D = "\U00010400"  # 𐐀 DESERET CAPITAL LETTER LONG I (lowercases to 𐐨, also astral)

WORDS = [
    E + "s", E + E + "s", E + "ss", "a" + E, "a" + E + "s", "a" + E + "es", E + "ies", E + E + "ies",
    E + "ied", E + E + "ied", "a" + E + "ied", E + "ed", "a" + E + "ed", "a" + E + "ing", "a" + E + E + "ing",
    "ho" + E + E + "ing", "ho" + E + E + "ed", "a" + E + "y", E + "y", E + E + "y", "b" + E + "y",
    "ru" + E + "ning", "hop" + E + "ing", E + "ational", "r" + E + "ational", "ro" + E + "ational",
    "o" + E + "alli", "o" + E + "ize", "ro" + E + "ement", "ro" + E + "ion", "ro" + E + "tion",
    "o" + E + "e", "ro" + E + "e", "ro" + E + E + "e", "o" + E + "ll", "ro" + E + "ll", "roll" + E,
    "cat" + E + "s", E + "cats", "running" + E, F + E + "s", E + F + "ing", "a" + F + F + "ing",
    M + "s", M + M + "s", "a" + M + "ing", "o" + M + M + "ed", D + "s", D + D + "s", "a" + D + "ing",
    D + "ies", "a" + D + D + "ed", "e" + E + "logi", "ge" + E + "logi", "e" + E + "fulli",
    E, E + E, "s" + E, "sky" + E, E + "sky", "dying" + E,
]

modes = ["NLTK_EXTENSIONS", "MARTIN_EXTENSIONS", "ORIGINAL_ALGORITHM"]
stems = {m: [porter.PorterStemmer(m).stem(w) for w in WORDS] for m in modes}
print(json.dumps({"tool": "nltk", "version": nltk.__version__, "source": "Debian python3-nltk",
                  "words": WORDS, "stems": stems}, ensure_ascii=True, indent=1))
