import type { GPT2Tokenizer, StreamDecoder } from '@gptft/tokenizer';

/**
 * The text of each row's generated ids, grown one token at a time through the tokenizer's stream
 * decoder (complete characters only), and cut where a stop string ended.
 */
export class GeneratedText {
  private readonly decoders: StreamDecoder[];
  private readonly texts: string[];
  private readonly cuts: Array<number | undefined>;

  constructor(tokenizer: GPT2Tokenizer, rows: number, skipSpecialTokens: boolean) {
    this.decoders = Array.from({ length: rows }, () => tokenizer.createStreamDecoder({ skipSpecialTokens }));
    this.texts = new Array<string>(rows).fill('');
    this.cuts = new Array<number | undefined>(rows).fill(undefined);
  }

  /** Appends a token to a row; returns the row's text length before it. */
  push(row: number, id: number): number {
    const before = this.texts[row]!.length;
    this.texts[row] += this.decoders[row]!.push(id);
    return before;
  }

  /** The row's text so far (complete characters, not cut). */
  raw(row: number): string {
    return this.texts[row]!;
  }

  /** Ends the row's text at `end` (after a stop string). */
  cut(row: number, end: number): void {
    this.cuts[row] = end;
  }

  /** The row's text as output so far: cut at its stop string, if any. */
  visible(row: number): string {
    const cut = this.cuts[row];
    return cut === undefined ? this.texts[row]! : this.texts[row]!.slice(0, cut);
  }

  /** Ends every row's stream (an unfinished character becomes U+FFFD unless cut off). */
  finish(): void {
    for (const [i, d] of this.decoders.entries()) this.texts[i] += d.flush();
  }
}
