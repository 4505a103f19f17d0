/** HF folder layout in and out: fine-tunes keep their added tokens; bad files name themselves. */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2Tokenizer, TokenizerFileError } from '../src/index.js';
import { GPT2_DIR } from './helpers.js';

let root: string;
let n = 0;
const fresh = async () => join(root, `t${n++}`);
/** A folder with GPT-2's vocab.json and merges.txt plus the given files. */
async function folder(files: Record<string, string>, base = true): Promise<string> {
  const dir = await fresh();
  await mkdir(dir, { recursive: true });
  if (base) {
    await copyFile(join(GPT2_DIR, 'vocab.json'), join(dir, 'vocab.json'));
    await copyFile(join(GPT2_DIR, 'merges.txt'), join(dir, 'merges.txt'));
  }
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}
const json = (v: unknown) => JSON.stringify(v, null, 2);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gptft-tokenizer-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('fromPretrained (local folder)', () => {
  it("reads the fixture's tokenizer_config.json", async () => {
    const tok = await GPT2Tokenizer.fromPretrained(GPT2_DIR);
    expect(tok.modelMaxLength).toBe(128);
    expect(tok.settings.addPrefixSpace).toBe(false);
    expect([tok.bosToken, tok.eosToken, tok.unkToken]).toEqual([
      '<|endoftext|>',
      '<|endoftext|>',
      '<|endoftext|>',
    ]);
    expect(tok.padToken).toBeUndefined();
    expect(tok.padTokenId).toBe(50256);
    expect(tok.allSpecialIds).toEqual([50256]);
  });

  it('reads legacy added_tokens.json + special_tokens_map.json (older transformers)', async () => {
    const dir = await folder({
      'added_tokens.json': json({ '<|im_start|>': 50257, '<|im_end|>': 50258, gptft: 50259 }),
      'special_tokens_map.json': json({
        eos_token: '<|endoftext|>',
        pad_token: {
          content: '<|pad|>',
          lstrip: false,
          rstrip: false,
          single_word: false,
          normalized: false,
        },
        additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
      }),
    });
    const tok = await GPT2Tokenizer.fromPretrained(dir);
    expect(tok.vocabSize).toBe(50261);
    expect(tok.padTokenId).toBe(50260);
    expect(tok.additionalSpecialTokens).toEqual(['<|im_start|>', '<|im_end|>']);
    expect(tok.isSpecialId(50257)).toBe(true);
    expect(tok.isSpecialId(50259)).toBe(false);
    expect(tok.encode('<|im_start|>gptft', { allowedSpecial: 'all' })).toEqual([50257, 50259]);
    // Not allowed: the special token is plain text; the non-special added token still matches.
    expect(tok.encode('<|im_start|>gptft')).toEqual([27, 91, 320, 62, 9688, 91, 29, 50259]);
  });

  it('reads added_tokens_decoder from tokenizer_config.json (transformers ≥ 4.34)', async () => {
    const dir = await folder({
      'tokenizer_config.json': json({
        add_prefix_space: false,
        added_tokens_decoder: {
          '50256': {
            content: '<|endoftext|>',
            lstrip: false,
            normalized: true,
            rstrip: false,
            single_word: false,
            special: true,
          },
          '50257': {
            content: '<mask>',
            lstrip: true,
            normalized: false,
            rstrip: false,
            single_word: false,
            special: true,
          },
        },
        eos_token: '<|endoftext|>',
        model_max_length: 1024,
        chat_template: "{% for m in messages %}{{ m['content'] }}{% endfor %}",
        tokenizer_class: 'GPT2Tokenizer',
        some_future_key: [1, 2],
      }),
    });
    const tok = await GPT2Tokenizer.fromPretrained(dir);
    expect(tok.vocabSize).toBe(50258);
    expect(tok.addedTokens[1]).toEqual([
      50257,
      { content: '<mask>', special: true, lstrip: true, rstrip: false, singleWord: false, normalized: false },
    ]);
    expect(tok.encode('a <mask>', { allowedSpecial: 'all' })).toEqual([64, 50257]);
    expect(tok.chatTemplate).toContain('messages');
    expect(tok.extraConfig.some_future_key).toEqual([1, 2]);
    expect(tok.modelMaxLength).toBe(1024);
  });

  it('reads a folder that only has tokenizer.json (HF fast format)', async () => {
    const vocab = JSON.parse(await readFile(join(GPT2_DIR, 'vocab.json'), 'utf8'));
    const merges = (await readFile(join(GPT2_DIR, 'merges.txt'), 'utf8')).split('\n').slice(1, -1);
    const fast = {
      version: '1.0',
      added_tokens: [
        {
          id: 50256,
          content: '<|endoftext|>',
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: true,
          special: true,
        },
        {
          id: 50257,
          content: '<|im_start|>',
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
          special: true,
        },
      ],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', vocab, merges: merges.map((m) => m.split(' ')) },
    };
    const dir = await folder({ 'tokenizer.json': JSON.stringify(fast) }, false);
    const tok = await GPT2Tokenizer.fromPretrained(dir);
    expect(tok.isGpt2Vocabulary).toBe(true);
    expect(tok.encode('Hello, my name is<|im_start|>', { allowedSpecial: 'all' })).toEqual([
      15496, 11, 616, 1438, 318, 50257,
    ]);
    const bad = await folder(
      { 'tokenizer.json': JSON.stringify({ ...fast, pre_tokenizer: { type: 'Metaspace' } }) },
      false,
    );
    await expect(GPT2Tokenizer.fromPretrained(bad)).rejects.toThrow(
      /tokenizer\.json: field "pre_tokenizer\.type": is Metaspace/,
    );
  });
});

describe('savePretrained', () => {
  it("writes GPT-2's files as HF lays them out; merges.txt is byte-identical to GPT-2's", async () => {
    const dir = await fresh();
    const written = await GPT2Tokenizer.gpt2().savePretrained(dir);
    expect(written.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      'merges.txt',
      'special_tokens_map.json',
      'tokenizer_config.json',
      'vocab.json',
    ]);
    expect(await readFile(join(dir, 'merges.txt'), 'utf8')).toBe(
      await readFile(join(GPT2_DIR, 'merges.txt'), 'utf8'),
    );
    expect(JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8'))).toEqual(
      JSON.parse(await readFile(join(GPT2_DIR, 'vocab.json'), 'utf8')),
    );
    const vocabText = await readFile(join(dir, 'vocab.json'), 'utf8');
    // json.dumps(indent=2, sort_keys=True): "!" sorts before "0", which sorts before "A".
    expect(vocabText.slice(0, 40)).toBe('{\n  "!": 0,\n  "!!": 3228,\n  "!!!": 10185');
    const config = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'));
    expect(config).toMatchObject({
      added_tokens_decoder: { '50256': { content: '<|endoftext|>', special: true, normalized: true } },
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      pad_token: null,
      add_prefix_space: false,
      model_max_length: 1024,
      clean_up_tokenization_spaces: false,
      tokenizer_class: 'GPT2Tokenizer',
    });
    expect(JSON.parse(await readFile(join(dir, 'special_tokens_map.json'), 'utf8'))).toEqual({
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
    });
  });

  it('a fine-tune with added tokens, a pad token and a chat template round-trips', async () => {
    const tok = await GPT2Tokenizer.fromPretrained(GPT2_DIR);
    expect(
      tok.addSpecialTokens({ padToken: '<|pad|>', additionalSpecialTokens: ['<|im_start|>', '<|im_end|>'] }),
    ).toBe(3);
    expect(tok.addTokens(['gptft'])).toBe(1);
    tok.chatTemplate =
      "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}";
    tok.settings.paddingSide = 'left';
    const dir = await fresh();
    await tok.savePretrained(dir);
    expect(JSON.parse(await readFile(join(dir, 'added_tokens.json'), 'utf8'))).toEqual({
      '<|im_end|>': 50259,
      '<|im_start|>': 50258,
      '<|pad|>': 50257,
      gptft: 50260,
    });
    const back = await GPT2Tokenizer.fromPretrained(dir);
    expect(back.vocabSize).toBe(50261);
    expect(back.padTokenId).toBe(50257);
    expect(back.additionalSpecialTokens).toEqual(['<|im_start|>', '<|im_end|>']);
    expect(back.chatTemplate).toBe(tok.chatTemplate);
    expect(back.settings.paddingSide).toBe('left');
    expect(back.modelMaxLength).toBe(128);
    const text = '<|im_start|>user\nhi gptft<|im_end|>\n<|endoftext|>';
    expect(back.encode(text, { allowedSpecial: 'all' })).toEqual(tok.encode(text, { allowedSpecial: 'all' }));
    expect(back.encode(text, { allowedSpecial: 'all' })).toEqual([
      50258, 7220, 198, 5303, 220, 50260, 50259, 198, 50256,
    ]);
    expect(back.addedTokens).toEqual(tok.addedTokens);
    // Saving what was loaded gives the same files.
    const again = await fresh();
    await back.savePretrained(again);
    for (const f of ['tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json', 'vocab.json']) {
      expect(await readFile(join(again, f), 'utf8'), f).toBe(await readFile(join(dir, f), 'utf8'));
    }
  });

  it('removes a stale tokenizer.json and added_tokens.json that would contradict the new files', async () => {
    const dir = await folder({ 'tokenizer.json': '{}', 'added_tokens.json': '{"<x>": 50257}' });
    await GPT2Tokenizer.gpt2().savePretrained(dir);
    await expect(readFile(join(dir, 'tokenizer.json'))).rejects.toThrow(/ENOENT/);
    await expect(readFile(join(dir, 'added_tokens.json'))).rejects.toThrow(/ENOENT/);
    expect((await GPT2Tokenizer.fromPretrained(dir)).vocabSize).toBe(50257);
  });
});

describe('bad files give errors that name the file, line or field', () => {
  const fails = async (files: Record<string, string>, pattern: RegExp, base = true) => {
    const dir = await folder(files, base);
    const err = await GPT2Tokenizer.fromPretrained(dir).catch((e) => e);
    expect(err).toBeInstanceOf(TokenizerFileError);
    expect(err.message).toMatch(pattern);
  };

  it('invalid JSON: file and line', async () => {
    await fails(
      { 'tokenizer_config.json': '{\n  "eos_token": "x",\n  oops\n}' },
      /tokenizer_config\.json: invalid JSON at line 3/,
    );
  });
  it('a wrong field type: file and field', async () => {
    await fails(
      { 'tokenizer_config.json': json({ model_max_length: 'long' }) },
      /tokenizer_config\.json: field "model_max_length"/,
    );
    await fails(
      { 'tokenizer_config.json': json({ added_tokens_decoder: { '50257': { content: 5 } } }) },
      /field "added_tokens_decoder\.50257\.content"/,
    );
  });
  it('vocab.json: bad id and duplicate id', async () => {
    await fails(
      { 'vocab.json': json({ a: 0, b: 'one' }) },
      /vocab\.json: field "b": expected a non-negative integer id/,
    );
    await fails({ 'vocab.json': json({ a: 0, b: 0 }) }, /vocab\.json: id 0 is given to both "a" and "b"/);
  });
  it('merges.txt: the bad line', async () => {
    await fails({ 'merges.txt': '#version: 0.2\nĠ t\nĠa\n' }, /merges\.txt: line 3: expected two symbols/);
  });
  it('missing files', async () => {
    await fails({ 'vocab.json': '{}' }, /merges\.txt: not found/, false);
    await fails({}, /vocab\.json: not found/, false);
  });
  it('contradicting ids', async () => {
    await fails(
      { 'added_tokens.json': json({ '<|endoftext|>': 50300 }) },
      /added_tokens\.json: token "<\|endoftext\|>" has id 50300 here but 50256 elsewhere/,
    );
  });
});
