// Where the examples find the tiny reference GPT-2 (fixtures/gpt2-tiny-ref: 2 layers, width 64,
// GPT-2's real 50,257-token vocabulary, random weights computed and checked against PyTorch).
import { fileURLToPath } from 'node:url';

export const TINY_GPT2 = fileURLToPath(new URL('../../fixtures/gpt2-tiny-ref/gpt2-tiny/', import.meta.url));
export const TINY_LORA = fileURLToPath(new URL('../../fixtures/gpt2-tiny-ref/lora/', import.meta.url));
