// Text corpora are read checked (issue 16 §6): gzip by magic bytes, invalid UTF-8 an error naming
// file, line and byte offset (Python's UnicodeDecodeError.start as the reference), unless
// encodingErrors: 'replace'. CoNLL rows with different column counts fail naming the line, and a
// line too long for a JavaScript string is said to be that, not invalid UTF-8 (§7).
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, readConll, readRecords, readText, readTextFile } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gptft-encoding-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const reference: { cases: Array<{ name: string; hex: string; start: number; line: number }> } = JSON.parse(
  readFileSync(new URL('./fixtures/utf8-offsets.json', import.meta.url), 'utf8'),
);

async function errorOf(p: Promise<unknown> | (() => Promise<unknown>)): Promise<DataError> {
  const e = await (typeof p === 'function' ? p() : p).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DataError);
  return e as DataError;
}

async function drain(it: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('invalid UTF-8: file, line and byte offset, as Python finds it', () => {
  it(`${reference.cases.length} byte strings, read whole and by lines, in chunks of 1 to 64 KiB bytes`, async () => {
    for (const [k, c] of reference.cases.entries()) {
      const file = join(dir, `case-${k}.txt`);
      writeFileSync(file, Buffer.from(c.hex, 'hex'));
      for (const chunkSize of [1, 2, 3, 5, 7, 65536]) {
        const whole = await errorOf(readTextFile(file, { chunkSize }));
        const lines = await errorOf(drain(readText(file, { chunkSize })));
        for (const e of [whole, lines]) {
          expect([c.name, chunkSize, e.file, e.line, e.reason.match(/at byte (\d+)/)?.[1]]).toEqual([
            c.name,
            chunkSize,
            file,
            c.line,
            String(c.start),
          ]);
        }
      }
    }
  });

  it('names the offset in the decompressed data of a gzipped file, and the bad bytes', async () => {
    const file = join(dir, 'corpus.txt.gz');
    writeFileSync(
      file,
      gzipSync(Buffer.concat([Buffer.from('line one\nline two is é\n'), Buffer.from([0xc3, 0x28])])),
    );
    const e = await errorOf(readTextFile(file));
    expect(e.message).toBe(`${file}:3: invalid UTF-8 at byte 24 of the decompressed data (0xc3)`);
  });

  it("encodingErrors: 'replace' decodes bad bytes as U+FFFD, as Python's errors='replace'", async () => {
    const file = join(dir, 'latin1.txt');
    writeFileSync(file, Buffer.from('café\nnaïve\n', 'latin1'));
    expect(await readTextFile(file, { encodingErrors: 'replace' })).toBe('caf\ufffd\nna\ufffdve\n');
    expect(
      (await drain(readText(file, { encodingErrors: 'replace' }))).map((r: any) => r.value.text),
    ).toEqual(['caf\ufffd', 'na\ufffdve']);
    // The other readers take the option too.
    const jsonl = join(dir, 'latin1.jsonl');
    writeFileSync(
      jsonl,
      Buffer.concat([Buffer.from('{"text": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]),
    );
    expect(await errorOf(drain(readRecords(jsonl)))).toMatchObject({ line: 1 });
    expect((await drain(readRecords(jsonl, { encodingErrors: 'replace' }))).map((r: any) => r.value)).toEqual(
      [{ text: 'caf\ufffd' }],
    );
  });

  it('reads .txt.gz decompressed (by magic bytes, whatever the name)', async () => {
    const text = 'It was the best of times,\nit was the worst of times.\n';
    for (const name of ['novel.txt.gz', 'novel.txt']) {
      const file = join(dir, name);
      writeFileSync(file, gzipSync(Buffer.from(text)));
      expect(await readTextFile(file)).toBe(text);
    }
  });
});

describe('CoNLL files whose rows have different column counts', { timeout: 600_000 }, () => {
  it('fail naming file and line instead of taking another column as the label', async () => {
    const file = join(dir, 'ragged.conll');
    // CoNLL-2003 rows (token POS chunk NER), one of them missing its NER column: with tags = last
    // column it would silently become "I-NP".
    writeFileSync(file, 'EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nGerman JJ I-NP\ncall NN I-NP O\n');
    const e = await errorOf(drain(readConll(file)));
    expect(e.message).toBe(
      `${file}:4: 3 columns, but line 1 has 4: every token line must have the same columns, or the label column differs from line to line ("German JJ I-NP")`,
    );
    // With onRecordError the bad sentence is reported and skipped, the rest read.
    const errors: DataError[] = [];
    const records = await drain(readConll(file, { onRecordError: (err) => errors.push(err) }));
    expect(records.map((r: any) => r.value)).toEqual([{ tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'] }]);
    expect(errors.map((x) => x.line)).toEqual([4]);
  });

  it('a line longer than a JavaScript string is said to be too long, not invalid UTF-8', async () => {
    // 560 MiB of "x" without a newline, as a multi-member gzip of 1 MiB members (a small file).
    const member = gzipSync(Buffer.alloc(1 << 20, 'x'));
    const file = join(dir, 'huge-line.conll.gz');
    writeFileSync(file, Buffer.concat([gzipSync(Buffer.from('token\tO\n\n')), ...Array(560).fill(member)]));
    const e = await errorOf(drain(readConll(file)));
    expect(e.message).toBe(
      `${file}:3: line is longer than Node can hold in one string (more than 536870888 characters)`,
    );
  });
});
