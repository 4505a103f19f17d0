import { describe, expect, it } from 'vitest';
import {
  type EntityMetricOptions,
  type EntityReport,
  MetricInputError,
  detectScheme,
  entityPrecisionRecallF1,
  entityReport,
  formatReport,
  getEntities,
  strictEntities,
} from '../src/index.js';
import {
  FIXTURES,
  close,
  perturbTags,
  readConll,
  readJson,
  tagsOf,
  toIob1,
  toIobes,
  toSuffix,
  wnut17Full,
} from './inputs.js';

const ref = readJson('seqeval.json');
const quiet = { onWarning: () => {} };

describe('entity chunking (hand-checked against seqeval semantics)', () => {
  it('default mode: conlleval-style, lenient', () => {
    expect(getEntities(['B-PER', 'I-PER', 'O', 'B-LOC'])).toEqual([
      ['PER', 0, 1],
      ['LOC', 3, 3],
    ]);
    // I- after O starts an entity; a type change ends one; B-X after I-X starts a new one
    expect(getEntities(['O', 'I-PER', 'I-PER', 'I-LOC', 'B-LOC', 'I-LOC'])).toEqual([
      ['PER', 1, 2],
      ['LOC', 3, 3],
      ['LOC', 4, 5],
    ]);
    // IOBES: S- is a single-token entity, E- ends one
    expect(getEntities(['S-PER', 'B-LOC', 'E-LOC', 'O'])).toEqual([
      ['PER', 0, 0],
      ['LOC', 1, 2],
    ]);
    // sentences are joined with an O in between, positions run on
    expect(getEntities([['B-PER'], ['I-PER']])).toEqual([
      ['PER', 0, 0],
      ['PER', 2, 2],
    ]);
    expect(getEntities(['PER-B', 'PER-I'], { suffix: true })).toEqual([['PER', 0, 1]]);
  });

  it('strict mode: only well-formed entities of the scheme', () => {
    // IOB2: the I-PER after O is not an entity
    expect(strictEntities(['B-PER', 'I-PER', 'O', 'I-PER'], 'IOB2')).toEqual([
      { sentence: 0, type: 'PER', start: 0, end: 2 },
    ]);
    // IOB1: I-PER after O *is* an entity start
    expect(strictEntities(['I-PER', 'I-PER', 'B-PER', 'O'], 'IOB1')).toEqual([
      { sentence: 0, type: 'PER', start: 0, end: 2 },
      { sentence: 0, type: 'PER', start: 2, end: 3 },
    ]);
    // IOBES: B- without E- is dropped
    expect(strictEntities(['B-PER', 'I-PER', 'O', 'S-LOC'], 'IOBES')).toEqual([
      { sentence: 0, type: 'LOC', start: 3, end: 4 },
    ]);
    expect(strictEntities(['U-PER', 'B-LOC', 'L-LOC'], 'BILOU')).toEqual([
      { sentence: 0, type: 'PER', start: 0, end: 1 },
      { sentence: 0, type: 'LOC', start: 1, end: 3 },
    ]);
    expect(() => strictEntities(['B-PER', 'S-PER'], 'IOB2')).toThrow(
      /\[1\] is "S-PER": prefix S is not allowed in IOB2/,
    );
    expect(() => strictEntities(['X-PER'], 'IOB2')).toThrow(MetricInputError);
  });

  it('detectScheme equals seqeval auto_detect on the edge sequences (errors included)', () => {
    for (const [seq, want] of ref.auto_detect as [string[], string][]) {
      let got: string;
      try {
        got = detectScheme([seq]);
      } catch {
        got = 'error';
      }
      expect(got, seq.join(' ')).toBe(want);
    }
  });

  it('edge sequences: default chunks and strict entities of every scheme equal seqeval (errors included)', () => {
    expect(ref.edge.length).toBeGreaterThan(10);
    for (const row of ref.edge as { seq: string[]; default: unknown; strict: Record<string, unknown> }[]) {
      expect(getEntities(row.seq), row.seq.join(' ')).toEqual(row.default);
      for (const [scheme, want] of Object.entries(row.strict)) {
        const got = (() => {
          try {
            return strictEntities(row.seq, scheme as never).map((e) => [e.type, e.start, e.end]);
          } catch (e) {
            if (!(e instanceof MetricInputError)) throw e;
            return 'error';
          }
        })();
        expect(got, `${scheme}: ${row.seq.join(' ')}`).toEqual(want);
      }
    }
  });

  it('detectScheme like seqeval auto_detect', () => {
    expect(detectScheme([['B-PER', 'I-PER', 'O']])).toBe('IOB2');
    expect(detectScheme([['S-PER', 'B-LOC', 'E-LOC']])).toBe('IOBES');
    expect(detectScheme([['U-PER', 'B-LOC', 'L-LOC', 'O']])).toBe('BILOU');
    expect(() => detectScheme([['O']])).toThrow(/not supported/);
  });

  it('report arithmetic on a small case', () => {
    // true: PER[0,1], LOC[3]; pred: PER[0,1], LOC[3,4] → PER tp 1, LOC tp 0
    const r = entityReport(
      [['B-PER', 'I-PER', 'O', 'B-LOC', 'O']],
      [['B-PER', 'I-PER', 'O', 'B-LOC', 'I-LOC']],
      quiet,
    );
    expect(r.types).toEqual(['LOC', 'PER']);
    expect(r.perType.PER).toMatchObject({ precision: 1, recall: 1, f1: 1, support: 1 });
    expect(r.perType.LOC).toMatchObject({
      precision: 0,
      recall: 0,
      f1: 0,
      support: 1,
      predicted: 1,
      correct: 0,
    });
    expect(r.microAvg).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.macroAvg).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.tokenAccuracy).toBeCloseTo(4 / 5, 15);
    expect(formatReport(r, 2)).toContain('   micro avg      0.50      0.50      0.50         2');
  });

  it('errors name the sentence and tag', () => {
    expect(() => entityReport([['O', 'O']], [['O']])).toThrow(
      /sentence 0: yTrue\[0\] has 2 tags but yPred\[0\] has 1/,
    );
    // strict mode without a scheme detects it from yTrue; only O tags fit no scheme
    expect(() => entityReport([['O']], [['O']], { mode: 'strict' })).toThrow(
      /mode 'strict' without a scheme: detecting it from yTrue failed .*not supported.*pass scheme/,
    );
    expect(() => entityReport([['O']], [['']])).toThrow(/yPred\[0\]\[0\]/);
  });

  it('warns once about tags that are not NE tags (default mode), as seqeval does', () => {
    const warnings: string[] = [];
    entityReport([['PER', 'PER', 'O']], [['PER', 'O', 'O']], { onWarning: (m) => warnings.push(m) });
    expect(warnings.filter((w) => w.includes('seems not to be NE tag'))).toEqual([
      'PER seems not to be NE tag.',
    ]);
  });
});

function expectReport(got: EntityReport, want: any, what: string) {
  const types = Object.keys(want).filter((k) => !k.endsWith(' avg'));
  expect(got.types, what).toEqual(types);
  const row = (g: any, w: any, name: string) => {
    expect(
      close(g.precision, w.precision),
      `${what} ${name} precision ${g.precision} vs ${w.precision}`,
    ).toBe(true);
    expect(close(g.recall, w.recall), `${what} ${name} recall`).toBe(true);
    expect(close(g.f1, w['f1-score']), `${what} ${name} f1`).toBe(true);
    expect(g.support, `${what} ${name} support`).toBe(w.support);
  };
  for (const t of types) row(got.perType[t], want[t], t);
  row(got.microAvg, want['micro avg'], 'micro');
  row(got.macroAvg, want['macro avg'], 'macro');
  row(got.weightedAvg, want['weighted avg'], 'weighted');
}

function checkAll(gold: string[][], want: any) {
  const pred = perturbTags(gold);
  const conv = (f: (s: string[]) => string[]) => [gold.map(f), pred.map(f)] as const;
  const cases: [string, readonly [string[][], string[][]], EntityMetricOptions][] = [
    ['default_iob2', [gold, pred], {}],
    ['strict_iob2', [gold, pred], { mode: 'strict', scheme: 'IOB2' }],
    ['default_iob1', conv(toIob1), {}],
    ['strict_iob1', conv(toIob1), { mode: 'strict', scheme: 'IOB1' }],
    ['default_iobes', conv((s) => toIobes(s)), {}],
    ['strict_iobes', conv((s) => toIobes(s)), { mode: 'strict', scheme: 'IOBES' }],
    ['default_bilou', conv((s) => toIobes(s, 'U', 'L')), {}],
    ['strict_bilou', conv((s) => toIobes(s, 'U', 'L')), { mode: 'strict', scheme: 'BILOU' }],
    ['default_suffix', conv(toSuffix), { suffix: true }],
    ['strict_suffix_iob2', conv(toSuffix), { suffix: true, mode: 'strict', scheme: 'IOB2' }],
    // no scheme: detected from yTrue as seqeval's classification_report(mode='strict') does
    ['strict_auto_iob2', [gold, pred], { mode: 'strict' }],
    ['strict_auto_iobes', conv((s) => toIobes(s)), { mode: 'strict' }],
    ['strict_auto_bilou', conv((s) => toIobes(s, 'U', 'L')), { mode: 'strict' }],
    ['strict_auto_suffix', conv(toSuffix), { suffix: true, mode: 'strict' }],
  ];
  for (const [name, [t, p], opts] of cases)
    expectReport(entityReport(t, p, { ...opts, ...quiet }), want[name], name);
  const [g1, p1] = conv(toIob1);
  if (want.strict_auto_iob1.error) {
    // IOB1 tags have prefixes {I, O} (plus B between same-type chunks): seqeval cannot detect a scheme
    expect(() => entityReport(g1, p1, { mode: 'strict', ...quiet })).toThrow(/not supported/);
  } else
    expectReport(
      entityReport(g1, p1, { mode: 'strict', ...quiet }),
      want.strict_auto_iob1,
      'strict_auto_iob1',
    );
  expect(getEntities(gold).length).toBe(want.n_gold_entities_default);
  expect(getEntities(pred).length).toBe(want.n_pred_entities_default);
  expect(entityReport(gold, pred, quiet).tokenAccuracy).toBe(want.accuracy);
}

describe('entityReport against seqeval 1.2.2 on WNUT-17 (gold vs deterministic perturbation)', () => {
  it('120-sentence dev excerpt (committed fixture): default and strict modes, IOB1/IOB2/IOBES/BILOU, suffix tags', () => {
    const gold = tagsOf(readConll(new URL('wnut17.dev.head120.conll', FIXTURES)));
    expect(gold.length).toBe(ref.dev_head120.n_sentences);
    checkAll(gold, ref.dev_head120);
  });

  it('full dev (1,009 sentences) and test (1,287), from test-data/wnut17/full', () => {
    const dev = tagsOf(wnut17Full('emerging.dev.conll'));
    const test = tagsOf(wnut17Full('emerging.test.annotated'));
    expect([dev.length, test.length]).toEqual([ref.dev.n_sentences, ref.test.n_sentences]);
    checkAll(dev, ref.dev);
    checkAll(test, ref.test);
  });

  it('zeroDivision warn / 0 / 1, default and strict', () => {
    const gold = tagsOf(readConll(new URL('wnut17.dev.head120.conll', FIXTURES))).slice(0, 12);
    const pred = perturbTags(gold);
    for (const z of ['warn', 0, 1] as const) {
      expectReport(
        entityReport(gold, pred, { zeroDivision: z, ...quiet }),
        ref.zero_division[String(z)],
        `zd ${z}`,
      );
      expectReport(
        entityReport(gold, pred, { zeroDivision: z, mode: 'strict', scheme: 'IOB2', ...quiet }),
        ref.zero_division_strict[String(z)],
        `zd strict ${z}`,
      );
    }
  });

  it('no entities at all, and only predicted entities (NaN macro, zero-division branches)', () => {
    for (const z of ['warn', 0, 1] as const) {
      for (const avg of ['micro', 'macro', 'weighted'] as const) {
        const none = entityPrecisionRecallF1([['O', 'O']], [['O', 'O']], {
          average: avg,
          zeroDivision: z,
          ...quiet,
        }) as {
          precision: number;
          recall: number;
          f1: number;
        };
        const [p, r, f] = ref.no_entities[String(z)][avg];
        expect([none.precision, none.recall, none.f1].map((v, i) => close(v, [p, r, f][i]))).toEqual([
          true,
          true,
          true,
        ]);
        const only = entityPrecisionRecallF1([['O', 'O']], [['B-PER', 'O']], {
          average: avg,
          zeroDivision: z,
          ...quiet,
        }) as {
          precision: number;
          recall: number;
          f1: number;
        };
        expect([only.precision, only.recall, only.f1]).toEqual(ref.only_predicted[String(z)][avg]);
      }
    }
  });
});
