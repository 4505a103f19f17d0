import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { tf } from '@gptft/backend';

export { toyData as data, toyModel, type XY } from '../src/testing/index.js';

export const tmp = () => mkdtempSync(join(tmpdir(), 'gptft-trainer-'));
export const values = (m: { namedParameters(): [string, tf.Variable][] }) =>
  m.namedParameters().map(([, v]) => Array.from(v.dataSync()));
