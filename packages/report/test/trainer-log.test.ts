import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrainerLog, parseTrainerLogEntry, readTrainerLog, renderTrainingReport } from '../src/index.js';

describe('readTrainerLog', () => {
  it('parses training and evaluation lines, keeps unknown keys, reads null as missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gptft-report-log-'));
    const path = join(dir, 'log.jsonl');
    writeFileSync(
      path,
      [
        '{"step":1,"epoch":0.25,"loss":2.5,"learningRate":0.001,"gradNorm":0.7}',
        '',
        '{"step":1,"epoch":0.25,"evalLoss":2.4,"evalAccuracy":0.5}',
        '{"step":2,"epoch":0.5,"loss":null,"learningRate":0.001}',
      ].join('\n'),
    );
    const log = await readTrainerLog(path);
    expect(log).toHaveLength(3);
    expect(log[0]).toEqual({ step: 1, epoch: 0.25, loss: 2.5, learningRate: 0.001, gradNorm: 0.7 });
    expect(log[1]!.evalLoss).toBe(2.4);
    expect(log[1]!.evalAccuracy).toBe(0.5);
    expect(log[2]!.loss).toBeUndefined();
  });

  it('reads NaN/Infinity of in-memory entries as missing (a diverged run still renders)', () => {
    const e = parseTrainerLogEntry({
      step: 3,
      epoch: 1,
      loss: Number.NaN,
      gradNorm: Number.POSITIVE_INFINITY,
      learningRate: 0.1,
    });
    expect(e.loss).toBeUndefined();
    expect(e.gradNorm).toBeUndefined();
    expect(e.learningRate).toBe(0.1);
    const html = renderTrainingReport({ log: [e], metrics: { eval_loss: Number.NaN } });
    expect(html).toContain('<td>eval_loss</td><td class="num">NaN</td>');
  });

  it('names file:line and the field of a malformed line', async () => {
    expect(() =>
      parseTrainerLog('{"step":1,"epoch":0}\n{"step":"two","epoch":0}\n', 'run/log.jsonl'),
    ).toThrow(/^run\/log\.jsonl:2: step: /);
    expect(() => parseTrainerLog('{"step":1,"epoch":0}\n\n{"step":3,', 'log.jsonl')).toThrow(
      /^log\.jsonl:3: not valid JSON/,
    );
    expect(() => parseTrainerLog('{"epoch":0}', 'x.jsonl')).toThrow(/^x\.jsonl:1: step: /);
    await expect(readTrainerLog('/nonexistent/log.jsonl')).rejects.toThrow(
      /^\/nonexistent\/log\.jsonl: cannot read the trainer log \(ENOENT\)/,
    );
  });
});
