// Bad input through the real `gptft` binary: absurd config.json values, text corpora (gzip,
// invalid UTF-8), ragged CoNLL files, surprises on load, and the messages of issue 16 §9. Each
// error is one line naming the file (and line/field/offset), with a hint; warnings are printed
// without --verbose.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from '@gptft/hub';
import { describe, expect, it } from 'vitest';
import { gptft as run, repoRoot, tempDir } from './helpers.js';

// Generous limits: each run is a real process, and a loaded machine may take minutes for a few.
const gptft = (args: string[], options: Parameters<typeof run>[1] = {}) =>
  run(args, { timeoutMs: 300_000, ...options });
const SLOW = { timeout: 900_000 };

const TINY = join(repoRoot, 'fixtures', 'gpt2-tiny-ref', 'gpt2-tiny');

/** A copy of the tiny fixture model with config.json changed. */
function tinyWithConfig(change: Record<string, unknown>): string {
  const dir = join(tempDir(), 'model');
  cpSync(TINY, dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, ...change }));
  return dir;
}

/** The `gptft: error: …` line of a failed run (after checking it is one line, no stack). */
function errorLine(r: { code: number; stderr: string }): string {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  const at = lines.findIndex((l) => l.startsWith('gptft: error: '));
  expect(at, r.stderr).toBeGreaterThanOrEqual(0);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[at]!;
}

describe('absurd config.json values (issue 16 §4)', SLOW, () => {
  for (const [what, change, pattern] of [
    ['n_layer 1e6', { n_layer: 1_000_000 }, /config\.json: n_layer: must be at most 1024 \(got 1000000\)/],
    ['vocab_size 1e12', { vocab_size: 1e12 }, /config\.json: vocab_size: must be at most 16777216/],
    [
      'vocab_size 2,000,000 (inside the bounds, not the checkpoint)',
      { vocab_size: 2_000_000 },
      /config\.json: vocab_size: is 2000000 but .*model\.safetensors's transformer\.wte\.weight has shape \[50257, 64\]/,
    ],
  ] as const) {
    it(`${what}: named (config.json and the field) before anything is allocated`, async () => {
      const model = tinyWithConfig(change);
      const r = await gptft(['generate', '--model', model, '--prompt', 'Hello', '--max-new-tokens', '2']);
      expect(errorLine(r)).toMatch(pattern);
      expect(errorLine(r)).toContain(join(model, 'config.json'));
    });
  }
});

describe('surprises on load are said out loud (issue 16 §8)', SLOW, () => {
  it('unused checkpoint tensors and NaN/Inf weights: warned, counted and named, without --verbose', async () => {
    const dir = join(tempDir(), 'model');
    cpSync(TINY, dir, { recursive: true });
    const file = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    const tensors: Record<string, TensorToWrite> = {};
    for (const [n, info] of file.tensors) {
      tensors[n] = { dtype: info.dtype, shape: [...info.shape], data: file.getFloat32(n) };
    }
    const fc = tensors['transformer.h.0.mlp.c_fc.weight']!.data as Float32Array;
    fc[0] = Number.NaN;
    fc[5] = Number.NaN;
    fc[9] = Number.POSITIVE_INFINITY;
    (tensors['transformer.ln_f.weight']!.data as Float32Array)[3] = Number.NEGATIVE_INFINITY;
    tensors['classifier.weight'] = { dtype: 'F32', shape: [3, 64], data: new Float32Array(192) };
    tensors['transformer.h.7.attn.extra'] = { dtype: 'F32', shape: [2], data: new Float32Array(2) };
    await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
    // A stray block past n_layer is not a config error: transformers loads and reports it unused too.
    const r = await gptft([
      'generate',
      '--model',
      dir,
      '--prompt',
      'Hello',
      '--max-new-tokens',
      '2',
      '--greedy',
    ]);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('gptft: warning: '));
    expect(warnings).toContain(
      `gptft: warning: ${join(dir, 'model.safetensors')}: 2 tensors hold non-finite values: ` +
        'transformer.h.0.mlp.c_fc.weight (2 NaN, 1 Inf), transformer.ln_f.weight (1 Inf); ' +
        "the model's outputs will be NaN or garbage",
    );
    expect(warnings).toContain(
      `gptft: warning: ${dir}: 2 checkpoint tensors are not used by GPT2LMHeadModel and were ignored: ` +
        'classifier.weight, transformer.h.7.attn.extra',
    );
    expect(r.stderr).not.toContain('(node:');
  });
});

/** A pretrain run of a 1-layer, 8-wide model on `data` (a few lines of "hello world" by default). */
function pretrain(data: string | undefined, out: string, ...extra: string[]) {
  if (data === undefined) {
    data = join(tempDir(), 'corpus.txt');
    writeFileSync(data, 'hello world\n'.repeat(200));
  }
  const size = ['--n-layer', '1', '--n-embd', '8', '--n-head', '2', '--n-positions', '8'];
  return gptft(['pretrain', '--data', data, '--output-dir', out, ...size, '--max-steps', '1', ...extra]);
}

describe('text corpora (issue 16 §6)', SLOW, () => {
  const tokens = (stderr: string) => /data: ([\d,]+) tokens/.exec(stderr)?.[1];
  const corpus = 'It was the best of times, it was the worst of times, it was the age of wisdom.\n'.repeat(
    20,
  );

  it('a .txt.gz corpus is decompressed: the same tokens as the plain file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'corpus.txt'), corpus);
    writeFileSync(join(dir, 'corpus.txt.gz'), gzipSync(Buffer.from(corpus)));
    const plain = await pretrain(join(dir, 'corpus.txt'), join(dir, 'a'));
    const gz = await pretrain(join(dir, 'corpus.txt.gz'), join(dir, 'b'));
    expect(plain.code, plain.stderr).toBe(0);
    expect(gz.code, gz.stderr).toBe(0);
    expect(tokens(plain.stderr)).toBe('440');
    expect(tokens(gz.stderr)).toBe(tokens(plain.stderr));
  });

  it('invalid UTF-8 is an error naming file, line and byte, unless --encoding-errors replace', async () => {
    const dir = tempDir();
    const file = join(dir, 'latin1.txt');
    writeFileSync(file, Buffer.concat([Buffer.from(corpus), Buffer.from('Caf\xe9 au lait.\n', 'latin1')]));
    const strict = await pretrain(file, join(dir, 'a'));
    expect(errorLine(strict)).toBe(
      `gptft: error: ${file}:21: invalid UTF-8 at byte ${corpus.length + 3} (0xe9)`,
    );
    expect(strict.stderr).toContain('--encoding-errors replace');
    const replaced = await pretrain(file, join(dir, 'b'), '--encoding-errors', 'replace');
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(Number(tokens(replaced.stderr))).toBeGreaterThan(440);
  });

  it('tokenize --file and tokenizer train read the same way', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'corpus.txt.gz'), gzipSync(Buffer.from('Hello world\n')));
    const r = await gptft(['tokenize', '--file', join(dir, 'corpus.txt.gz'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).ids).toEqual([15496, 995, 198]); // GPT-2's ids of "Hello world\n"
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, Buffer.from([0x61, 0x0a, 0xff, 0x0a]));
    const t = await gptft([
      'tokenizer',
      'train',
      '--data',
      bad,
      '--vocab-size',
      '300',
      '--output-dir',
      join(dir, 'tok'),
    ]);
    expect(errorLine(t)).toBe(`gptft: error: ${bad}:2: invalid UTF-8 at byte 2 (0xff)`);
  });
});

describe('CoNLL files with ragged rows (issue 16 §7)', SLOW, () => {
  it('train --task token-classification names file and line', async () => {
    const dir = tempDir();
    const file = join(dir, 'ner.conll');
    writeFileSync(file, 'EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nGerman JJ I-NP\ncall NN I-NP O\n');
    const r = await gptft([
      'train',
      '--task',
      'token-classification',
      '--model',
      TINY,
      '--data',
      file,
      '--output-dir',
      join(dir, 'out'),
      '--max-steps',
      '1',
    ]);
    expect(errorLine(r)).toMatch(new RegExp(`^gptft: error: ${file}:4: 3 columns, but line 1 has 4`));
  });
});

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as on the dev machine). */
function canMount(): boolean {
  const probe = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const MOUNT = process.platform === 'linux' && canMount();

describe('messages (issue 16 §9)', SLOW, () => {
  it('model.safetensors that is a folder, or a symlink to nothing, is said to be that', async () => {
    const folder = join(tempDir(), 'model');
    cpSync(TINY, folder, { recursive: true });
    rmSync(join(folder, 'model.safetensors'));
    mkdirSync(join(folder, 'model.safetensors'));
    const r = await gptft(['generate', '--model', folder, '--prompt', 'Hi']);
    expect(errorLine(r)).toBe(`gptft: error: ${join(folder, 'model.safetensors')}: is a folder, not a file`);
    rmSync(join(folder, 'model.safetensors'), { recursive: true });
    symlinkSync('../../blobs/0123abcd', join(folder, 'model.safetensors'));
    const d = await gptft(['generate', '--model', folder, '--prompt', 'Hi']);
    expect(errorLine(d)).toMatch(
      /model\.safetensors: is a symbolic link to \.\.\/\.\.\/blobs\/0123abcd \(.*\), which does not exist/,
    );
  });

  it('a mistyped local path: no such folder; as a hub id it could not be reached', async () => {
    const r = await gptft(['generate', '--model', 'models/nope', '--prompt', 'Hi'], {
      env: { HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_CACHE: tempDir() },
    });
    expect(errorLine(r)).toMatch(
      /^gptft: error: no such folder .*\/models\/nope; as a hub id it could not be reached: model "models\/nope": .*cannot reach http:\/\/127\.0\.0\.1:9/,
    );
  });

  it('the pytorch_model.bin refusal shows the conversion command without --verbose', async () => {
    const folder = join(tempDir(), 'pickle');
    cpSync(TINY, folder, { recursive: true });
    rmSync(join(folder, 'model.safetensors'));
    writeFileSync(join(folder, 'pytorch_model.bin'), 'not loaded');
    const r = await gptft(['generate', '--model', folder, '--prompt', 'Hi']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Convert it to safetensors once, in Python:');
    expect(r.stderr).toContain(
      `  python -c "from transformers import AutoModelForCausalLM as M; M.from_pretrained('${folder}')`,
    );
    expect(r.stderr).toContain('hint: run one of the commands above once');
  });

  it('an empty classification file is named, not "numLabels must be a positive integer (got 0)"', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'empty.jsonl'), '\n\n');
    const r = await gptft([
      'train',
      '--task',
      'sequence-classification',
      '--model',
      TINY,
      '--data',
      join(dir, 'empty.jsonl'),
      '--output-dir',
      join(dir, 'out'),
      '--max-steps',
      '1',
    ]);
    expect(errorLine(r)).toBe(
      `gptft: error: ${join(dir, 'empty.jsonl')}: no records in this file (it is empty, or holds only blank lines or a header)`,
    );
  });

  it('an output folder below a file (ENOTDIR) names the file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'a file');
    const r = await pretrain(undefined, join(dir, 'notes.txt', 'model'));
    expect(errorLine(r)).toBe(
      `gptft: error: cannot create ${join(dir, 'notes.txt', 'model')}: ${join(dir, 'notes.txt')} is a file, not a folder`,
    );
  });

  it.runIf(MOUNT)('a read-only output folder is said to be read-only (a read-only tmpfs)', async () => {
    const ro = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro]);
    try {
      const inside = await pretrain(undefined, join(ro, 'model'));
      expect(errorLine(inside)).toBe(
        `gptft: error: cannot create ${join(ro, 'model')}: ${ro} is on a read-only file system`,
      );
      const itself = await pretrain(undefined, ro);
      expect(errorLine(itself)).toMatch(
        new RegExp(`^gptft: error: cannot write ${ro}/.*: the file system is read-only$`),
      );
    } finally {
      execFileSync('umount', [ro]);
    }
  });

  it.runIf(MOUNT)('a full disk (ENOSPC) names the file being written (a 300 KiB tmpfs)', async () => {
    const full = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300k', 'tmpfs', full]);
    try {
      const r = await pretrain(undefined, join(full, 'model'));
      expect(errorLine(r)).toMatch(
        new RegExp(`^gptft: error: no space left on the device while writing ${full}/model/\\S+$`),
      );
      expect(r.stderr).toContain('what was there before is unchanged');
      expect(r.stderr).not.toMatch(/\.tmp-\d+-/); // named where it was going, not its temporary name
    } finally {
      execFileSync('umount', [full]);
    }
  });
});
