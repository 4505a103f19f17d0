import { z } from 'zod';

/** A plain text record: `{ text }` (language-model pretraining). */
export const textRecord = z.object({ text: z.string() });
export type TextRecord = z.output<typeof textRecord>;

/** A class label: an integer id or a label name. */
export const classLabel = z.union([z.number().int(), z.string()]);

/** A text with a class label: `{ text, label }` (sequence classification). */
export const textLabelRecord = z.object({ text: z.string(), label: classLabel });
export type TextLabelRecord = z.output<typeof textLabelRecord>;

/**
 * Words with one tag each: `{ tokens, tags }` (token classification: NER, POS). Tags may be names
 * (`B-person`) or integer ids; `tags` must be as long as `tokens`.
 */
export const tokensTagsRecord = z
  .object({ tokens: z.array(z.string()), tags: z.array(classLabel) })
  .superRefine((r, ctx) => {
    if (r.tags.length !== r.tokens.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['tags'],
        message: `expected ${r.tokens.length} tags (one per token), got ${r.tags.length}`,
      });
    }
  });
export type TokensTagsRecord = z.output<typeof tokensTagsRecord>;

/** Chat roles, as OpenAI / HF chat templates name them. */
export const chatRole = z.enum(['system', 'user', 'assistant']);
export type ChatRole = z.output<typeof chatRole>;

/** One chat message `{ role, content }`. */
export const chatMessage = z.object({ role: chatRole, content: z.string() });
export type ChatMessage = z.output<typeof chatMessage>;

/** A conversation in the HF / OpenAI chat format: `{ messages: [{ role, content }, …] }` (at least one). */
export const chatRecord = z.object({ messages: z.array(chatMessage).min(1) });
export type ChatRecord = z.output<typeof chatRecord>;

/**
 * ShareGPT speakers. FastChat's data (`dummy_conversation.json`, the Vicuna ShareGPT dumps) uses
 * `human` and `gpt`; `system` appears in ShareGPT-style sets that carry a system prompt (e.g. SlimOrca).
 */
export const shareGptFrom = z.enum(['system', 'human', 'gpt']);
export type ShareGptFrom = z.output<typeof shareGptFrom>;

/** A conversation in ShareGPT / FastChat format: `{ id?, conversations: [{ from, value }, …] }`. */
export const shareGptRecord = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  conversations: z.array(z.object({ from: shareGptFrom, value: z.string() })).min(1),
});
export type ShareGptRecord = z.output<typeof shareGptRecord>;

/** An instruction record in Stanford Alpaca format: `{ instruction, input, output }` (`input` may be missing or empty). */
export const alpacaRecord = z.object({
  instruction: z.string(),
  input: z.string().optional().default(''),
  output: z.string(),
});
export type AlpacaRecord = z.output<typeof alpacaRecord>;
