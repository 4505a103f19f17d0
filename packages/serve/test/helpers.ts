import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { GPT2LMHeadModel, setupChatModel } from '@gptft/heads';
import type { PeftModel } from '@gptft/peft';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import OpenAI from 'openai';
import { createServer, loadAdapters, type OpenAIServer, type ServeOptions } from '../src/index.js';

/** The PyTorch reference fixtures (fixtures/gpt2-tiny-ref): a tiny GPT-2, a LoRA and a prefix adapter. */
export const FIXTURES = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url));

export interface Loaded {
  model: GPT2LMHeadModel;
  tokenizer: GPT2Tokenizer;
  peft: PeftModel<GPT2LMHeadModel> | undefined;
}

/**
 * The fixture model with ChatML set up (as `gptft chat` does for a model without a chat template)
 * and, unless `adapters` is `{}`, the fixture's LoRA (`lora`) and prefix-tuning (`prefix`) adapters.
 */
export async function loadFixture(
  adapters: Record<string, string> = { lora: `${FIXTURES}lora`, prefix: `${FIXTURES}prefix` },
): Promise<Loaded> {
  await useBackend('wasm');
  const model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
  const tokenizer = await GPT2Tokenizer.fromPretrained(`${FIXTURES}gpt2-tiny`);
  setupChatModel(model, tokenizer);
  const peft = await loadAdapters(model, adapters);
  return { model, tokenizer, peft };
}

export interface Running {
  server: OpenAIServer;
  baseURL: string;
  client: OpenAI;
  close(): Promise<void>;
}

/** A server on 127.0.0.1 (a free port) and an `openai` client for it (no retries). */
export async function startServer(options: ServeOptions, apiKey = 'unused'): Promise<Running> {
  const server = createServer(options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseURL = `http://127.0.0.1:${port}`;
  const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey, maxRetries: 0, timeout: 120_000 });
  return { server, baseURL, client, close: () => server.shutdown({ graceMs: 0 }) };
}

/** A raw request (for what the client will not send), returning status and parsed JSON. */
export async function post(
  baseURL: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(`${baseURL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}
