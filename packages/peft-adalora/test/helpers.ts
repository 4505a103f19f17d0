import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's PyTorch fixture GPT-2 (fixtures/gpt2-tiny-ref/gpt2-tiny). */
export const GPT2_TINY = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/gpt2-tiny', import.meta.url));
/** What test/reference/adalora_reference.py wrote. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export const expected: {
  ids: [number[], number[]];
  init_loss: number;
  losses: number[];
  rank_patterns: Array<Record<string, boolean[]> | null>;
} = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8'));

export { maxAbsDiff } from '@gptft/gpt2-model/testing';
