import { checkIds, IGNORE_INDEX, type TokenIds } from './batch.js';

/** Options of {@link Packer} / {@link packExamples}. */
export interface PackingOptions {
  /** Tokens per block (e.g. 1024 for GPT-2). */
  blockSize: number;
  /**
   * Appended after every document, so the model learns where texts end (GPT-2's
   * `<|endoftext|>` = 50256). `null`: nothing is appended (HF `run_clm`'s `group_texts`).
   */
  eosTokenId: number | null;
  /**
   * Keep attention inside documents (default true): blocks carry `positionIds` that restart at 0
   * at each document and `documentIds` that number the documents within the block, and the
   * label of every document's first token is -100 (nothing before it in its document predicts it).
   * false: plain concatenation as HF `run_clm` — no position/document ids, attention crosses documents.
   */
  isolateDocuments?: boolean;
  /** Drop the final partial block (default true, as `group_texts`); false emits it shorter (the collator pads it). */
  dropRemainder?: boolean;
}

/** An example to pack: token ids and optional pre-set labels (e.g. SFT masks). */
export interface PackableExample {
  inputIds: TokenIds;
  labels?: TokenIds;
}

/** One packed block, ready for `causalLMCollator`. */
export interface PackedBlock {
  inputIds: number[];
  labels: number[];
  /** Present when documents are isolated: position of each token within its document piece. */
  positionIds?: number[];
  /** Present when documents are isolated: index of each token's document within the block. */
  documentIds?: number[];
}

/**
 * Packs tokenized documents into fixed blocks of `blockSize` tokens (HF `group_texts` with EOS
 * separators, optionally with per-document attention). Feed documents with {@link add}, collect
 * the blocks it returns, and call {@link finish} at the end.
 *
 * Each document contributes its tokens and then `eosTokenId` (labelled `eosTokenId`, so the model
 * learns to stop). A document that does not fit the rest of a block continues in the next one;
 * with `isolateDocuments` that continuation starts again at position 0 as document 0 of the new
 * block (like every block of `run_clm`). Empty documents are skipped.
 */
export class Packer {
  private ids: number[] = [];
  private labels: number[] = [];
  private positions: number[] = [];
  private documents: number[] = [];
  private document = -1; // index of the current document within the block
  private position = 0; // position within the current document piece
  private readonly isolate: boolean;
  /** Documents added so far. */
  documentsSeen = 0;
  /** Tokens (including separators) placed into emitted blocks. */
  tokensPacked = 0;
  /** Tokens dropped with the final partial block. */
  tokensDropped = 0;

  constructor(private readonly options: PackingOptions) {
    const { blockSize, eosTokenId } = options;
    if (!Number.isInteger(blockSize) || blockSize < 1)
      throw new Error(`Packer: blockSize must be a positive integer, got ${blockSize}`);
    if (eosTokenId !== null && (!Number.isInteger(eosTokenId) || eosTokenId < 0)) {
      throw new Error(`Packer: eosTokenId must be a token id or null, got ${eosTokenId}`);
    }
    this.isolate = options.isolateDocuments ?? true;
  }

  /** Adds one document; returns the blocks it completed (often none, sometimes several). */
  add(example: PackableExample): PackedBlock[] {
    const n = example.inputIds.length;
    if (example.labels && example.labels.length !== n) {
      throw new Error(
        `Packer: document ${this.documentsSeen}: labels has ${example.labels.length} entries but inputIds has ${n}`,
      );
    }
    checkIds(example.inputIds, 'Packer', this.documentsSeen, 'inputIds');
    if (example.labels) checkIds(example.labels, 'Packer', this.documentsSeen, 'labels', true);
    this.documentsSeen++;
    if (n === 0) return [];
    const out: PackedBlock[] = [];
    const eos = this.options.eosTokenId;
    const total = eos === null ? n : n + 1;
    for (let t = 0; t < total; t++) {
      const id = t < n ? example.inputIds[t] : (eos as number);
      const label = t < n ? (example.labels ? example.labels[t] : id) : (eos as number);
      const startsPiece = t === 0 || this.ids.length === 0;
      if (startsPiece) {
        this.document++;
        this.position = 0;
      }
      this.ids.push(id);
      // A document's first token has nothing before it in its document to predict it from.
      this.labels.push(this.isolate && t === 0 ? IGNORE_INDEX : label);
      this.positions.push(this.position++);
      this.documents.push(this.document);
      if (this.ids.length === this.options.blockSize) out.push(this.emit());
    }
    return out;
  }

  /** Ends packing: returns the final partial block unless `dropRemainder` (the default) drops it. */
  finish(): PackedBlock[] {
    if (this.ids.length === 0) return [];
    if (this.options.dropRemainder ?? true) {
      this.tokensDropped += this.ids.length;
      this.reset();
      return [];
    }
    return [this.emit()];
  }

  private emit(): PackedBlock {
    const block: PackedBlock = { inputIds: this.ids, labels: this.labels };
    if (this.isolate) {
      block.positionIds = this.positions;
      block.documentIds = this.documents;
    }
    this.tokensPacked += this.ids.length;
    this.reset();
    return block;
  }

  private reset(): void {
    this.ids = [];
    this.labels = [];
    this.positions = [];
    this.documents = [];
    this.document = -1;
    this.position = 0;
  }
}

/** Packs documents into blocks lazily (see {@link Packer}). */
export function* packExamples(
  examples: Iterable<PackableExample>,
  options: PackingOptions,
): Generator<PackedBlock> {
  const packer = new Packer(options);
  for (const ex of examples) yield* packer.add(ex);
  yield* packer.finish();
}

/** Packs a stream of documents into blocks lazily, with bounded memory (see {@link Packer}). */
export async function* packExamplesAsync(
  examples: AsyncIterable<PackableExample> | Iterable<PackableExample>,
  options: PackingOptions,
): AsyncGenerator<PackedBlock> {
  const packer = new Packer(options);
  for await (const ex of examples) yield* packer.add(ex);
  yield* packer.finish();
}
