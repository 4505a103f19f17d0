import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  niceScale,
  parseTrainerLog,
  renderLineChart,
  renderLossCurveSvg,
  renderTrainingReport,
  type TrainerLogEntryInput,
  writeTrainingReport,
} from '../src/index.js';
import { chartData, findAll, parseXml } from './svg.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gptft-report-'));

/** A log like the trainer writes: a line every step, an evaluation every 5 steps. */
function fakeLog(): TrainerLogEntryInput[] {
  const log: TrainerLogEntryInput[] = [];
  for (let step = 1; step <= 20; step++) {
    log.push({
      step,
      epoch: step / 10,
      loss: 4 * Math.exp(-step / 8) + 1.3,
      learningRate: step <= 4 ? (1e-3 * step) / 4 : 1e-3 * (1 - (step - 4) / 16),
      gradNorm: 1 + 1 / step,
      tokensPerSecond: 250 + step,
    });
    if (step % 5 === 0) log.push({ step, epoch: step / 10, eval_loss: 3 * Math.exp(-step / 10) + 1.5 });
  }
  return log;
}

/** Tolerance of a value recovered from 0.01-px rounded coordinates. */
function tol(svg: ReturnType<typeof parseXml>): number {
  const plot = findAll(svg, (e) => e.attrs.class === 'plot')[0]!;
  const range = Number(plot.attrs['data-y-max']) - Number(plot.attrs['data-y-min']);
  return (0.006 / Number(plot.attrs['data-height'])) * range * 2;
}

describe('loss-curve SVG', () => {
  it('is well-formed and its points map back to the logged values; axes cover the data with round ticks', () => {
    const log = parseTrainerLog(
      fakeLog()
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    const svg = parseXml(renderLossCurveSvg(log));
    expect(svg.name).toBe('svg');
    expect(svg.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    const train = chartData(svg, 'training loss');
    const evalPts = chartData(svg, 'validation loss');
    const wantTrain = log.filter((e) => e.loss !== undefined).map((e) => [e.step, e.loss!]);
    const wantEval = log.filter((e) => e.eval_loss !== undefined).map((e) => [e.step, e.eval_loss!]);
    expect(train).toHaveLength(20);
    expect(evalPts).toHaveLength(4);
    const t = tol(svg);
    train.forEach(([x, y], i) => {
      expect(Math.abs(x - wantTrain[i]![0]!)).toBeLessThan(0.01);
      expect(Math.abs(y - wantTrain[i]![1]!)).toBeLessThan(t);
    });
    evalPts.forEach(([x, y], i) => {
      expect(Math.abs(x - wantEval[i]![0]!)).toBeLessThan(0.01);
      expect(Math.abs(y - wantEval[i]![1]!)).toBeLessThan(t);
    });
    // axis ranges: x 0..20 (steps 1..20 on round ticks); y covers min..max of both series
    const plot = findAll(svg, (e) => e.attrs.class === 'plot')[0]!;
    expect(Number(plot.attrs['data-x-min'])).toBe(0);
    expect(Number(plot.attrs['data-x-max'])).toBe(20);
    const ys = [...wantTrain, ...wantEval].map((p) => p[1]!);
    const yMin = Number(plot.attrs['data-y-min']);
    const yMax = Number(plot.attrs['data-y-max']);
    expect(yMin).toBeLessThanOrEqual(Math.min(...ys));
    expect(yMax).toBeGreaterThanOrEqual(Math.max(...ys));
    expect(yMax - yMin).toBeLessThan(2 * (Math.max(...ys) - Math.min(...ys))); // not absurdly padded
    const yTicks = findAll(svg, (e) => e.attrs.class === 'tick-y').map((e) => Number(e.text));
    expect(yTicks[0]).toBe(yMin);
    expect(yTicks[yTicks.length - 1]).toBe(yMax);
    const xTicks = findAll(svg, (e) => e.attrs.class === 'tick-x').map((e) => e.text);
    expect(xTicks).toContain('10');
    expect(findAll(svg, (e) => e.name === 'circle')).toHaveLength(4); // evaluation markers
  });

  it('a resumed run’s repeated steps count once (the later value wins); NaN-as-null is skipped', () => {
    const log = parseTrainerLog(
      [
        '{"step":1,"epoch":0.1,"loss":3}',
        '{"step":2,"epoch":0.2,"loss":2.5}',
        '{"step":3,"epoch":0.3,"loss":null}',
        '{"step":2,"epoch":0.2,"loss":2.4}',
        '{"step":3,"epoch":0.3,"loss":2}',
      ].join('\n'),
    );
    const svg = parseXml(renderLossCurveSvg(log));
    const pts = chartData(svg, 'training loss');
    expect(pts.map(([x]) => Math.round(x))).toEqual([1, 2, 3]);
    expect(Math.abs(pts[1]![1] - 2.4)).toBeLessThan(tol(svg));
  });

  it('an empty log gives a valid chart saying so; niceScale picks round ranges', () => {
    const svg = parseXml(renderLossCurveSvg([]));
    expect(findAll(svg, (e) => e.name === 'polyline')).toHaveLength(0);
    expect(findAll(svg, (e) => e.name === 'text').some((e) => e.text === 'no data logged')).toBe(true);
    expect(niceScale(1.31, 4.6)).toEqual({ min: 1, max: 5, ticks: [1, 2, 3, 4, 5] });
    expect(niceScale(1.31, 2.6).ticks).toEqual([1, 1.5, 2, 2.5, 3]);
    expect(niceScale(0, 0.001).ticks).toEqual([0, 0.0002, 0.0004, 0.0006, 0.0008, 0.001]);
    expect(niceScale(2, 2)).toMatchObject({ min: 1.8, max: 2.2 });
    // a single point still draws (as a dot)
    const one = parseXml(renderLineChart([{ name: 'x', points: [[5, 1]] }], { title: 't' }));
    expect(findAll(one, (e) => e.name === 'circle')).toHaveLength(1);
  });
});

describe('report.html', () => {
  const evil = '<script>alert("pwned")</script> & \'quotes\' <img src="http://evil.example/x.png">';

  it('is self-contained: no scripts, no external references; every text is escaped', () => {
    const html = renderTrainingReport({
      title: `Run <b>1</b>`,
      log: fakeLog(),
      model: 'gpt2-tiny + LoRA',
      metrics: { eval_loss: 1.62, perplexity: 5.05, '<i>odd</i>': evil },
      samples: [
        { prompt: 'Once upon a time', before: 'the the the', after: evil },
        { prompt: 'ROMEO:\n', before: '', after: 'O, she doth teach\nthe torches' },
      ],
      settings: { learningRate: 0.001, outputDir: '/tmp/out', fp16: false },
      createdAt: '2026-01-02T03:04:05Z',
    });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    // no element has a src/href (every literal '<' in the page starts a real tag: text is escaped)
    expect(html).not.toMatch(/<[^>]*\s(src|href)\s*=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>1</b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
    expect(html).toContain('<title>Run &lt;b&gt;1&lt;/b&gt;</title>');
    expect(html).toContain('&lt;i&gt;odd&lt;/i&gt;');
    // the only URL inside a tag is the SVG namespace; the evil one is text, never an attribute
    const tagUrls = [...html.matchAll(/<[^>]*>/g)].flatMap((m) => m[0].match(/https?:\/\/[^\s"']+/g) ?? []);
    expect(new Set(tagUrls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(html).toContain('&lt;img src=&quot;http://evil.example/x.png&quot;&gt;');
    // charts: loss, learning rate, tokens/s, gradient norm; each inline SVG is well-formed
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => parseXml(m[0]));
    expect(svgs.map((s) => findAll(s, (e) => e.name === 'title')[0]!.text)).toEqual([
      'Training and validation loss',
      'Learning rate',
      'Throughput',
      'Gradient norm (before clipping)',
    ]);
    const lr = chartData(svgs[1]!, 'learning rate');
    expect(lr).toHaveLength(20);
    expect(Math.abs(lr[3]![1] - 1e-3)).toBeLessThan(tol(svgs[1]!));
    // samples table: prompt / before / after, newlines kept by CSS (pre-wrap), not converted
    expect(html).toContain('<th>before training</th><th>after training</th>');
    expect(html).toContain('O, she doth teach\nthe torches');
    // summary cards: final training/validation loss and tokens/s (mean of the logged values)
    expect(html).toContain(`<div class="v">${Number((4 * Math.exp(-20 / 8) + 1.3).toPrecision(5))}</div>`);
    expect(html).toContain('<div class="k">tokens / s, whole run</div><div class="v">260.5</div>');
    expect(html).toContain('2026-01-02T03:04:05.000Z');
  });

  it('writeTrainingReport reads <dir>/log.jsonl, writes report.html and loss-curve.svg, and names a bad line', async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'log.jsonl'),
      `${fakeLog()
        .map((e) => JSON.stringify(e))
        .join('\n')}\n`,
    );
    const written = await writeTrainingReport(dir, { samples: [{ prompt: 'a', before: 'b', after: 'c' }] });
    expect(written).toEqual({ report: join(dir, 'report.html'), lossCurve: join(dir, 'loss-curve.svg') });
    expect(readdirSync(dir).sort()).toEqual(['log.jsonl', 'loss-curve.svg', 'report.html']); // no temp files left
    const svg = parseXml(readFileSync(written.lossCurve, 'utf8'));
    expect(chartData(svg, 'training loss')).toHaveLength(20);
    expect(readFileSync(written.report, 'utf8')).toContain('<td class="text">c</td>');

    writeFileSync(
      join(dir, 'log.jsonl'),
      '{"step":1,"epoch":0,"loss":2}\n{"step":2,"epoch":0,"loss":"high"}\n',
    );
    await expect(writeTrainingReport(dir)).rejects.toThrow(`${join(dir, 'log.jsonl')}:2: loss: `);
    await expect(
      writeTrainingReport(dir, { log: [], samples: [{ prompt: 'p', before: 'b' } as never] }),
    ).rejects.toThrow(/training report data: samples\.0\.after: /);
  });

  it('names each training loss it shows and the epochs actually done (issue 18 §3)', () => {
    // 40 steps logged every 10 (each entry the mean of its interval), 2.05 epochs, maxSteps-style run
    const log = [10, 20, 30, 40].map((step) => ({
      step,
      epoch: (step / 40) * 2.05,
      loss: 5 - step / 10,
      tokensPerSecond: 100 + step,
    }));
    const html = renderTrainingReport({
      log,
      lastStepLoss: 0.9123,
      meanTrainingLoss: 2.5,
      createdAt: '2026-01-02T03:04:05Z',
    });
    const card = (k: string) =>
      new RegExp(`<div class="k">${k}</div><div class="v">([^<]*)</div>`).exec(html)?.[1];
    expect(card('training loss, last step \\(40\\)')).toBe('0.9123');
    expect(card('training loss, mean of steps 31–40 \\(last logged\\)')).toBe('1');
    expect(card('training loss, mean of the whole run')).toBe('2.5');
    expect(card('epochs done')).toBe('2.05');
    expect(html).toContain('40 optimizer steps · 2.05 epochs done');
    expect(html).not.toContain('final training loss');
    // the tokens/s chart, from the log's per-interval throughput
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => parseXml(m[0]));
    const throughput = svgs.find((s) => findAll(s, (e) => e.name === 'title')[0]!.text === 'Throughput')!;
    expect(chartData(throughput, 'tokens/s')).toHaveLength(4);
  });
});
