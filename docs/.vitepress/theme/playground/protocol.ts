// Messages between the playground page (Playground.vue) and its Web Worker (worker.ts).
import type { StepInfo } from '../../../examples/browser-lora.js';
import type { LoraSettings } from '../../../examples/browser-lora-settings.js';

export type ToWorker =
  /** `backend`: a backend name forced by the page's `?backend=` query parameter. */
  | { type: 'init'; backend?: string }
  /** `source`: `tiny-base` (served with the site), a hub id, or a URL of a model folder. */
  | { type: 'load'; source: string }
  | { type: 'train'; data: string; settings: LoraSettings; prompts: string[]; maxNewTokens: number }
  | { type: 'stop' }
  | { type: 'generate'; prompt: string; greedy: boolean; maxNewTokens: number }
  | { type: 'download' };

export type FromWorker =
  | { type: 'backend'; name: string; reason: string; threads: number; crossOriginIsolated: boolean }
  | { type: 'loaded'; source: string; location: string; parameters: number; layers: number }
  | ({ type: 'step' } & StepInfo)
  | {
      type: 'trained';
      kind: 'text' | 'chat';
      examples: number;
      losses: number[];
      evalBefore: number;
      evalAfter: number;
      stopped: boolean;
      seconds: number;
    }
  | { type: 'compared'; rows: { prompt: string; before: string; after: string }[] }
  | { type: 'piece'; text: string }
  | { type: 'generated'; ids: number[]; text: string; pieces: number }
  | { type: 'zip'; bytes: Uint8Array }
  | { type: 'error'; during: string; message: string };
