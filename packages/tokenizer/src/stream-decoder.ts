/**
 * Decoding ids to text, whole or as a stream. Tokens are byte strings; a character's bytes may be
 * spread over several tokens (🤖 is 3 GPT-2 tokens), so text is only produced once a character's
 * last byte has arrived.
 */

/** What a decoder needs from a tokenizer: each id's bytes, and whether it is a special token. */
export interface TokenBytesSource {
  /** The UTF-8 bytes token `id` stands for; throws for an unknown id. */
  tokenBytes(id: number): Uint8Array;
  /** True for special tokens (skipped with `skipSpecialTokens`). */
  isSpecialId(id: number): boolean;
}

/** Options of `decode` and of the stream decoder. */
export interface DecodeOptions {
  /** Leave out special tokens such as `<|endoftext|>` (HF `skip_special_tokens`, default false). */
  skipSpecialTokens?: boolean;
  /**
   * Apply HF's `clean_up_tokenization_spaces` (" ," → "," and the like). Default: the tokenizer's
   * `tokenizer_config.json` value, else false so that `decode(encode(x)) === x`.
   */
  cleanUpTokenizationSpaces?: boolean;
}

/** HF's `clean_up_tokenization`: removes the spaces word-level tokenizers put before punctuation. */
export function cleanUpTokenization(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** The bytes of a sequence of ids, special tokens optionally skipped. */
export function idsToBytes(
  source: TokenBytesSource,
  ids: Iterable<number>,
  skipSpecial: boolean,
): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const id of ids) {
    if (skipSpecial && source.isSpecialId(id)) continue;
    const b = source.tokenBytes(id);
    parts.push(b);
    total += b.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of parts) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/**
 * Turns ids into text as they arrive (for streaming generation): `push` returns only complete
 * characters, holding back the bytes of a character whose last byte has not arrived yet; `flush`
 * ends the stream (an unfinished character becomes U+FFFD). Invalid UTF-8 becomes U+FFFD, as in
 * `decode`. The concatenation of everything returned equals `decode(allIds)`.
 *
 * ```ts
 * const stream = tokenizer.createStreamDecoder({ skipSpecialTokens: true });
 * for (const id of generatedIds) process.stdout.write(stream.push(id));
 * process.stdout.write(stream.flush());
 * ```
 */
export class StreamDecoder {
  private decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly skipSpecial: boolean;
  private emitted = '';

  constructor(
    private readonly source: TokenBytesSource,
    options: Pick<DecodeOptions, 'skipSpecialTokens'> = {},
  ) {
    this.skipSpecial = options.skipSpecialTokens ?? false;
  }

  /** Feeds one id or several; returns the text they complete (possibly ''). */
  push(ids: number | Iterable<number>): string {
    const bytes = idsToBytes(this.source, typeof ids === 'number' ? [ids] : ids, this.skipSpecial);
    const piece = this.decoder.decode(bytes, { stream: true });
    this.emitted += piece;
    return piece;
  }

  /** Ends the stream: returns what was held back (an incomplete character as U+FFFD) and resets. */
  flush(): string {
    const piece = this.decoder.decode();
    this.emitted += piece;
    this.decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    return piece;
  }

  /** All text returned so far. */
  get text(): string {
    return this.emitted;
  }
}
