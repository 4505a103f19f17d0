// sacreBLEU's own published test vectors, copied from its test suite (github:mjpost/sacrebleu,
// commit f615c7286d4d813370efb824d94fc2bfcd3a6b94, v2.6.0+1; Apache-2.0, © the sacreBLEU authors and
// Amazon.com for test_chrf.py): test/test_bleu.py, test/test_sentence_bleu.py, test/test_chrf.py,
// test/test_ter.py and test/test_tokenizer_ter.py. Each block names its file; the tolerances are the
// files' own (EPSILON).
import { describe, expect, it } from 'vitest';
import {
  corpusBleu,
  corpusChrf,
  corpusTer,
  sentenceBleu,
  sentenceChrf,
  tokenizeTercom,
} from '../src/index.js';

describe('sacreBLEU test/test_bleu.py', () => {
  const refs = [
    ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
    ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
  ];
  const hyps = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
  const EPSILON = 1e-8;
  it.each([
    [hyps, {}, 48.530827],
    [['', '', ''], {}, 0.0],
    [hyps, { tokenize: 'none' as const }, 49.1919566],
    [hyps, { tokenize: '13a' as const }, 48.530827],
    [hyps, { tokenize: 'intl' as const }, 43.91623493],
    [hyps, { smoothMethod: 'none' as const }, 48.530827],
  ])('test_corpus_bleu %#', (h, opts, expected) => {
    expect(Math.abs(corpusBleu(h, refs, opts).score - expected)).toBeLessThan(EPSILON);
  });

  // sacrebleu.raw_corpus_bleu(hyps, refs, .01): floor smoothing 0.01, no tokenization, effective order
  const raw = { smoothMethod: 'floor', smoothValue: 0.01, tokenize: 'none', effectiveOrder: true } as const;

  it('test_raw_bleu', () => {
    for (const [h, r, expected] of [
      [['this is a test', 'another test'], [['ref1', 'ref2']], 0.0],
      [['this is a test'], [['this is a test']], 1.0],
      [['this is a fest'], [['this is a test']], 0.223606797749979],
    ] as const) {
      const s = corpusBleu(h, r, raw).score / 100;
      expect(Math.abs(s - expected)).toBeLessThan(EPSILON);
    }
  });

  it('test_effective_order', () => {
    for (const [h, r, expected] of [
      ['test', 'a test', 0.3678794411714425],
      ['a test', 'a test', 1.0],
      ['a little test', 'a test', 0.03218297948685433],
    ] as const) {
      const s = corpusBleu([h], [[r]], raw).score / 100;
      expect(Math.abs(s - expected)).toBeLessThan(EPSILON);
    }
  });

  it('test_statistics', () => {
    const s = corpusBleu(['am I am a character sequence'], [['I am a symbol string sequence a a']], raw);
    expect(s.counts).toEqual([4, 2, 1, 0]);
    expect(s.totals).toEqual([6, 5, 4, 3]);
  });
});

describe('sacreBLEU test/test_sentence_bleu.py', () => {
  const REF = 'producţia de zahăr brut se exprimă în zahăr alb;';
  const SYS = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;';
  const EPSILON = 1e-3;
  it.each([
    ['exp', undefined, false, '13a', 8.493],
    ['none', undefined, false, '13a', 0.0],
    ['floor', undefined, false, '13a', 4.51688],
    ['floor', 0.1, false, '13a', 4.51688],
    ['floor', 0.5, false, '13a', 10.1],
    ['add-k', undefined, false, '13a', 14.882],
    ['add-k', 1, false, '13a', 14.882],
    ['add-k', 2, false, '13a', 21.389],
    ['exp', undefined, false, 'none', 7.347],
    ['exp', undefined, false, 'intl', 8.493],
    ['exp', undefined, false, 'char', 40.8759],
    ['exp', undefined, true, 'char', 42.0267],
  ] as const)(
    '%s %s lowercase=%s tok=%s → %s',
    (smoothMethod, smoothValue, lowercase, tokenize, expected) => {
      const s = sentenceBleu(SYS, [REF], { smoothMethod, smoothValue, lowercase, tokenize });
      expect(Math.abs(s.score - expected)).toBeLessThan(EPSILON);
    },
  );

  it('test_api_sentence_bleu_zero', () => {
    for (const [smoothMethod, smoothValue] of [
      ['exp', undefined],
      ['none', undefined],
      ['floor', undefined],
      ['floor', 0.1],
      ['add-k', undefined],
      ['add-k', 1],
    ] as const) {
      expect(sentenceBleu('this is a cat', ['okay thanks'], { smoothMethod, smoothValue }).score).toBe(0);
    }
  });
});

describe('sacreBLEU test/test_chrf.py', () => {
  const EPSILON = 1e-4;
  it('test_chrf_sentence_level (eps smoothing)', () => {
    const cases: [string, string[], number][] = [
      [
        'Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.',
        ['Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.'],
        39.14078509,
      ],
      [
        'Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.',
        ['A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.'],
        31.22557079,
      ],
      [
        'Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.',
        ['Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.'],
        57.15704367,
      ],
    ];
    for (const [h, r, expected] of cases) {
      expect(Math.abs(sentenceChrf(h, r, { epsSmoothing: true }).score - expected)).toBeLessThan(EPSILON);
    }
  });

  it('test_chrf (beta 3, eps smoothing)', () => {
    const cases: [string[], string[], number][] = [
      [['abcdefg'], ['hijklmnop'], 0.0],
      [['a'], ['b'], 0.0],
      [[''], ['b'], 0.0],
      [[''], ['ref'], 0.0],
      [[''], ['reference'], 0.0],
      [['aa'], ['ab'], 8.3333],
      [['a', 'b'], ['a', 'c'], 8.3333],
      [['a'], ['a'], 16.6667],
      [['a b c'], ['a b c'], 50.0],
      [['a b c'], ['abc'], 50.0],
      [
        [
          ' risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
        ],
        [
          'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
        ],
        63.36173,
      ],
      [
        [' Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. '],
        ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'],
        64.1302698,
      ],
      [
        ['Niemand hat die Absicht, eine Mauer zu errichten'],
        ['Niemand hat die Absicht, eine Mauer zu errichten'],
        100.0,
      ],
    ];
    for (const [h, r, expected] of cases) {
      const s = corpusChrf(h, [r], { charOrder: 6, wordOrder: 0, beta: 3, epsSmoothing: true }).score;
      expect(Math.abs(s - expected), JSON.stringify(h)).toBeLessThan(EPSILON);
    }
  });

  it('test_chrf_eff_order (sacreBLEU < 2.0 averaging, the default)', () => {
    const cases: [string[], string[], number][] = [
      [['a'], ['a'], 100.0],
      [[''], ['reference'], 0.0],
      [['a b c'], ['a b c'], 100.0],
      [['a b c'], ['abc'], 100.0],
      [[''], ['c'], 0.0],
      [['a', 'b'], ['a', 'c'], 50.0],
      [['aa'], ['ab'], 25.0],
    ];
    for (const [h, r, expected] of cases) {
      const s = corpusChrf(h, [r], { charOrder: 6, wordOrder: 0, beta: 3, epsSmoothing: false }).score;
      expect(Math.abs(s - expected), JSON.stringify(h)).toBeLessThan(EPSILON);
    }
  });

  it('test_chrf_keep_whitespace', () => {
    const cases: [string[], string[], number][] = [
      [
        ['Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.'],
        ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'],
        67.3481606,
      ],
      [
        [
          'risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
        ],
        [
          'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
        ],
        65.2414427,
      ],
    ];
    for (const [h, r, expected] of cases) {
      const s = corpusChrf(h, [r], { charOrder: 6, wordOrder: 0, beta: 3, whitespace: true }).score;
      expect(Math.abs(s - expected)).toBeLessThan(EPSILON);
    }
  });
});

describe('sacreBLEU test/test_ter.py', () => {
  const EPSILON = 1e-3;
  it('test_ter', () => {
    const cases: [string[], string[], number][] = [
      [['aaaa bbbb cccc dddd'], ['aaaa bbbb cccc dddd'], 0],
      [['dddd eeee ffff'], ['aaaa bbbb cccc'], 1],
      [[''], ['a'], 1],
      [['a'], [''], 1],
      [[''], [''], 0],
      [['d e f g h a b c'], ['a b c d e f g h'], 1 / 8],
      [
        [
          'wählen Sie " Bild neu berechnen , " um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit das Bild ungefähr dieselbe Größe aufweist wie die andere Größe .',
          'wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option " Alle Aufgaben aktualisieren . "',
          'klicken Sie auf der Registerkarte " Optionen " auf die Schaltfläche " Benutzerdefiniert " und geben Sie Werte für " Fehlerkorrektur-Level " und " Y / X-Verhältnis " ein .',
          'Sie können beispielsweise ein Dokument erstellen , das ein Auto über die Bühne enthält .',
          'wählen Sie im Dialogfeld " Neu aus Vorlage " eine Vorlage aus und klicken Sie auf " Neu . "',
        ],
        [
          'wählen Sie " Bild neu berechnen , " um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit die Darstellung des Bildes in einer anderen Größe beibehalten wird .',
          'wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option " Alle Aufgaben aktualisieren . "',
          'klicken Sie auf der Registerkarte " Optionen " auf die Schaltfläche " Benutzerdefiniert " und geben Sie für " Fehlerkorrektur-Level " und " Y / X-Verhältnis " niedrigere Werte ein .',
          'Sie können beispielsweise ein Dokument erstellen , das ein Auto enthalt , das sich über die Bühne bewegt .',
          'wählen Sie im Dialogfeld " Neu aus Vorlage " eine Vorlage aus und klicken Sie auf " Neu . "',
        ],
        0.136,
      ],
    ];
    for (const [h, r, expected] of cases) {
      expect(Math.abs(corpusTer(h, [r]).score - 100 * expected), JSON.stringify(h).slice(0, 40)).toBeLessThan(
        EPSILON,
      );
    }
  });
});

describe('sacreBLEU test/test_tokenizer_ter.py', () => {
  it.each([
    [{}, 'a b c d', 'a b c d'],
    [{}, '', ''],
    [{}, 'a b c d.', 'a b c d.'],
    [{}, 'A B C D.', 'a b c d.'],
    [{ noPunct: true }, 'a b c d.', 'a b c d'],
    [{ noPunct: true }, 'A ; B ) C : D.', 'a b c d'],
    [{ normalized: true }, 'a b (c) d.', 'a b ( c ) d .'],
    [{ normalized: true }, "Jim's car.", "jim 's car ."],
    [{ normalized: true }, '4.2', '4.2'],
    [{ normalized: true, asianSupport: true }, '美众院公布对特', '美 众 院 公 布 对 特'],
    [{ normalized: true, asianSupport: true }, 'りの拳銃を持', 'りの 拳 銃 を 持'],
  ])('%j %j → %j', (opts, input, expected) => {
    expect(tokenizeTercom(input, opts)).toBe(expected);
  });
});
