/**
 * Checkpoint folders (`outputDir/checkpoint-N/`, HF's layout): written atomically, read back with
 * their files validated, listed and rotated. A folder holds the model (the trainer's `saveModel`),
 * `optimizer.safetensors`, `trainer_state.json` and `rng_state.json`.
 */
import { tf } from '@gptft/backend';
import {
  CheckpointError,
  recoverDirAtomic,
  SafetensorsFile,
  writeDirAtomic,
  writeSafetensors,
} from '@gptft/hub';
import { existsSync, join, readdir, readFile, rm, writeFile } from './node-fs.js';
import type { z } from 'zod';
import type { StateArray } from './adamw.js';
import { type RngStateFile, rngStateSchema, type TrainerState, trainerStateSchema } from './trainer-state.js';

export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const STATE_FILE = 'trainer_state.json';
export const RNG_FILE = 'rng_state.json';
/** The model file of the default `saveModel` / `loadModel`. */
export const MODEL_FILE = 'model.safetensors';

const CHECKPOINT = /^checkpoint-(\d+)$/;

/** `checkpoint-N` folders of `outputDir` with their steps, oldest step first. */
export async function listCheckpoints(outputDir: string): Promise<{ step: number; dir: string }[]> {
  let names: string[];
  try {
    names = await readdir(outputDir);
  } catch {
    return [];
  }
  return names
    .map((n) => ({ n, m: CHECKPOINT.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .map(({ n, m }) => ({ step: Number(m[1]), dir: join(outputDir, n) }))
    .sort((a, b) => a.step - b.step);
}

/**
 * Removes what checkpoint writes killed midway left in `outputDir`: hidden `.checkpoint-N.tmp-…`
 * folders (and the `..checkpoint-N.tmp-….tmp-…` ones of a model save inside them) of processes
 * that no longer run; a `checkpoint-N` swapped out but not back is restored (`@gptft/hub`'s
 * `recoverDirAtomic`).
 */
export async function recoverCheckpointWrites(outputDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(outputDir);
  } catch {
    return;
  }
  const bases = new Set<string>();
  for (const n of names) {
    const direct = /^\.(checkpoint-\d+)\.(tmp|old)-\d+-[0-9a-f]{8}$/.exec(n);
    if (direct) {
      bases.add(direct[1]!);
      continue;
    }
    const nested = /^\.\.checkpoint-\d+\.tmp-(\d+)-[0-9a-f]{8}\./.exec(n);
    if (nested && !processAlive(Number(nested[1])))
      await rm(join(outputDir, n), { recursive: true, force: true });
  }
  for (const b of bases) await recoverDirAtomic(join(outputDir, b));
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readJson<S extends z.ZodTypeAny>(file: string, schema: S): Promise<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== undefined) throw e;
    throw new CheckpointError(
      file,
      `not valid JSON (${(e as Error).message}): this checkpoint is damaged; resume from another one`,
      { cause: e },
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new CheckpointError(file, `${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return parsed.data;
}

/** The `trainer_state.json` of a checkpoint folder, validated. */
export function readTrainerState(dir: string): Promise<TrainerState> {
  return readJson(join(dir, STATE_FILE), trainerStateSchema);
}

/** What a checkpoint holds besides the model. */
export interface CheckpointContent {
  state: TrainerState;
  /** Absent in checkpoints written before `rng_state.json` existed. */
  rng?: RngStateFile;
  /** AdamW's moments by name, and its step count. */
  optimizer: { step: number; arrays: Record<string, StateArray> };
}

/**
 * Writes a checkpoint folder atomically: `saveModel(tmp)` writes the model, then the optimizer
 * state and the two JSON files; the folder appears under its name only when complete.
 */
export async function writeCheckpoint(
  dir: string,
  content: CheckpointContent,
  saveModel: (dir: string) => Promise<void>,
): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await saveModel(tmp);
    const opt: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
    for (const [n, a] of Object.entries(content.optimizer.arrays)) {
      opt[n] = { dtype: 'F32', shape: a.shape, data: a.data };
    }
    await writeSafetensors(join(tmp, OPTIMIZER_FILE), opt, { step: String(content.optimizer.step) });
    await writeFile(join(tmp, STATE_FILE), `${JSON.stringify(content.state, null, 2)}\n`);
    await writeFile(join(tmp, RNG_FILE), `${JSON.stringify(content.rng)}\n`);
  });
}

/** Reads a checkpoint's state, RNG state and optimizer moments (the model is the caller's `loadModel`). */
export async function readCheckpoint(dir: string): Promise<CheckpointContent> {
  const state = await readTrainerState(dir);
  const rngFile = join(dir, RNG_FILE);
  const rng = existsSync(rngFile) ? await readJson(rngFile, rngStateSchema) : undefined;
  const f = await SafetensorsFile.open(join(dir, OPTIMIZER_FILE));
  const arrays: Record<string, StateArray> = {};
  for (const n of f.names()) arrays[n] = { shape: f.info(n).shape, data: f.getFloat32(n) };
  // AdamW's own step count (written as metadata): it lags globalStep by the steps skipped as non-finite.
  const step = f.metadata.step !== undefined ? Number(f.metadata.step) : state.globalStep;
  return { state, ...(rng && { rng }), optimizer: { step, arrays } };
}

/**
 * HF `_rotate_checkpoints`: deletes the oldest checkpoints of run `runId` beyond `limit`, never
 * the best one (moved next to the newest, so it goes last; with `limit` 1 two are kept when the
 * newest is not the best). Checkpoints of another run (another `runId` in their
 * `trainer_state.json`) are neither counted nor deleted.
 */
export async function rotateCheckpoints(
  outputDir: string,
  options: { limit: number | undefined; best: string | undefined; runId: string },
): Promise<void> {
  let limit = options.limit;
  if (limit === undefined) return;
  const dirs: string[] = [];
  for (const { dir } of await listCheckpoints(outputDir)) {
    const runId = await readTrainerState(dir).then(
      (s) => s.runId,
      () => undefined,
    );
    if (runId === undefined || runId === options.runId) dirs.push(dir);
  }
  const { best } = options;
  const bi = best ? dirs.indexOf(best) : -1;
  if (bi >= 0) {
    dirs.splice(bi, 1);
    dirs.splice(Math.max(0, dirs.length - 1), 0, best!);
    if (limit === 1 && dirs[dirs.length - 1] !== best) limit = 2;
  }
  for (const d of dirs.slice(0, Math.max(0, dirs.length - limit))) {
    if (d === best) continue;
    await rm(d, { recursive: true, force: true });
  }
}

/**
 * Throws, naming the first parameter, if any holds NaN or ±Infinity (one host read for all of
 * them). `what` says what was not written.
 */
export function assertFiniteParameters(
  params: readonly [string, tf.Variable][],
  what: string,
  step: number,
): void {
  if (params.length === 0) return;
  const ok = tf.tidy(() => tf.stack(params.map(([, v]) => tf.all(tf.isFinite(v)))).dataSync());
  const bad = params.findIndex((_, i) => !ok[i]);
  if (bad >= 0) {
    throw new Error(
      `Trainer: parameter ${params[bad]![0]} has non-finite values at step ${step}; refusing to write ${what} (earlier checkpoints are intact)`,
    );
  }
}

/** The default `saveModel`: every parameter, F32, into `dir/model.safetensors` under its name. */
export async function saveParameters(dir: string, params: readonly [string, tf.Variable][]): Promise<void> {
  const out: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [n, v] of params)
    out[n] = { dtype: 'F32', shape: v.shape, data: (await v.data()) as Float32Array };
  await writeSafetensors(join(dir, MODEL_FILE), out);
}

/**
 * Loads parameters by name from a safetensors file into the variables (all of them must be there
 * with their shapes; the file may hold more). The default `loadModel` reads `dir/model.safetensors`.
 */
export async function loadParameters(file: string, params: readonly [string, tf.Variable][]): Promise<void> {
  const f = await SafetensorsFile.open(file);
  for (const [n, v] of params) {
    if (!f.has(n)) throw new Error(`${file}: missing tensor ${n}`);
    const shape = f.info(n).shape;
    if (shape.join(',') !== v.shape.join(','))
      throw new Error(`${file}: tensor ${n} has shape [${shape}] but the model needs [${v.shape}]`);
  }
  for (const [n, v] of params) {
    const data = f.getFloat32(n);
    tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
  }
}
