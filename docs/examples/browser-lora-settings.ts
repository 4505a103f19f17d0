// The playground's settings and sample data, apart from the training code (browser-lora.ts) so
// that the page itself can show them without downloading the libraries its Web Worker runs.

/** The playground's LoRA settings (PEFT's `LoraConfig` plus the trainer's few knobs). */
export interface LoraSettings {
  r: number;
  loraAlpha: number;
  loraDropout: number;
  targetModules: string[];
  learningRate: number;
  maxSteps: number;
  /** Examples longer than this many tokens are cut. */
  maxLength: number;
  batchSize: number;
  seed: number;
}

export const DEFAULT_SETTINGS: LoraSettings = {
  r: 4,
  loraAlpha: 8,
  loraDropout: 0,
  targetModules: ['c_attn'],
  learningRate: 1e-2,
  maxSteps: 4,
  maxLength: 32,
  batchSize: 2,
  seed: 1,
};

/** The playground's sample data: one training text a line. */
export const SAMPLE_TEXT = [
  'The quick brown fox jumps over the lazy dog.',
  'A journey of a thousand miles begins with a single step.',
  'To be, or not to be, that is the question.',
  'All that glitters is not gold.',
].join('\n');
export const PROMPT = 'To be, or not';
export const MAX_NEW_TOKENS = 12;
