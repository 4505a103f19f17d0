// OpenAI's presence/frequency penalties and logit bias, by hand on small score rows.
import { describe, expect, it } from 'vitest';
import {
  buildLogitsProcessors,
  LogitBiasLogitsProcessor,
  PresenceFrequencyPenaltyLogitsProcessor,
} from '../src/index.js';

describe('OpenAI penalties', () => {
  it('presence/frequency: scores[j] -= count_j · frequency + presence, generated ids only', () => {
    const p = new PresenceFrequencyPenaltyLogitsProcessor(0.5, 0.25, 3);
    // prompt [0, 1, 1] does not count; generated [1, 2, 2, 2]
    const out = p.process([0, 1, 1, 1, 2, 2, 2], Float32Array.from([1, 1, 1, 1]));
    expect([...out]).toEqual([1, 1 - (0.25 + 0.5), 1 - (0.75 + 0.5), 1]);
  });

  it('logit bias adds to the given ids; -100 all but bans a token', () => {
    const out = new LogitBiasLogitsProcessor({ 1: 2, 3: -100 }).process([], Float32Array.from([0, 0, 0, 0]));
    expect([...out]).toEqual([0, 2, 0, -100]);
  });

  it('order: repetition penalty, presence/frequency, logit bias, then the warpers', () => {
    const list = buildLogitsProcessors({
      repetitionPenalty: 2,
      presencePenalty: 1,
      promptLength: 1,
      logitBias: { 0: 1 },
      doSample: true,
      temperature: 2,
    });
    expect(list.processors.map((x) => x.constructor.name)).toEqual([
      'RepetitionPenaltyLogitsProcessor',
      'PresenceFrequencyPenaltyLogitsProcessor',
      'LogitBiasLogitsProcessor',
      'TemperatureLogitsWarper',
    ]);
    // id 1 generated once: (4 / 2 - 1) / 2 = 0.5; id 0 (prompt, seen): (4 / 2 + 1) / 2 = 1.5
    const out = list.process([0, 1], Float32Array.from([4, 4, 4]));
    expect([...out]).toEqual([1.5, 0.5, 2]);
  });
});
