import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatDuration, ProgressDisplay, type ProgressStream, Trainer } from '../src/index.js';
import { data, tmp, toyModel } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

function fakeStream(isTTY: boolean): ProgressStream & { out: string } {
  const s = {
    out: '',
    isTTY,
    columns: 200,
    write(c: string) {
      s.out += c;
      return true;
    },
  };
  return s;
}

describe('ProgressDisplay', () => {
  it('on a TTY redraws one line in place with step/total, loss, lr, tokens/s and ETA', () => {
    let now = 0;
    const stream = fakeStream(true);
    const p = new ProgressDisplay({ stream, now: () => now });
    p.start(10);
    now = 500;
    p.step({ step: 1, loss: 2.5, learningRate: 5e-5, tokens: 100 });
    now = 1000;
    p.step({ step: 2, loss: 2.25, learningRate: 4e-5, tokens: 100 });
    // 200 tokens in 1 s; 2 of 10 steps in 1 s → 4 s left.
    expect(p.barLine()).toBe(
      '2/10 [####................] 20% | loss 2.2500 | lr 4.00e-5 | 200.0 tok/s | ETA 4s',
    );
    const draws = stream.out.split('\r\x1b[2K').filter(Boolean);
    expect(draws).toHaveLength(2);
    expect(stream.out).not.toContain('\n');
    // A log entry goes above the bar, which is drawn again.
    p.log({ step: 2, epoch: 0.25, loss: 2.3, learningRate: 4e-5 });
    expect(stream.out.endsWith(`\r\x1b[2K${p.barLine()}`)).toBe(true);
    expect(stream.out).toContain(
      '\r\x1b[2Kstep 2/10 | epoch 0.25 | loss 2.3000 | learningRate 4.000e-5 | 200.0 tok/s | ETA 4s\n',
    );
    p.end();
    expect(stream.out.endsWith('\n')).toBe(true);
  });

  it('elsewhere prints plain lines only for log entries', () => {
    let now = 0;
    const stream = fakeStream(false);
    const p = new ProgressDisplay({ stream, now: () => now });
    p.start(100, 40); // resumed at step 40
    now = 2000;
    p.step({ step: 41, loss: 1, learningRate: 1e-3 });
    p.step({ step: 42, loss: 1, learningRate: 1e-3 });
    expect(stream.out).toBe('');
    p.log({ step: 42, epoch: 1, eval_loss: 0.5 });
    expect(stream.out).toBe('step 42/100 | epoch 1.00 | eval_loss 0.5000\n');
    p.log({ step: 42, epoch: 1, loss: 0.75 });
    expect(stream.out.split('\n')[1]).toBe('step 42/100 | epoch 1.00 | loss 0.7500 | ETA 58s'); // 2 steps in 2 s, 58 left
    expect(stream.out).not.toContain('\r');
    expect(formatDuration(3723)).toBe('1h02m03s');
    expect(formatDuration(65)).toBe('1m05s');
  });

  it('the Trainer drives it: a bar per step on a TTY, a line per logging step otherwise', async () => {
    const run = async (isTTY: boolean) => {
      const stream = fakeStream(isTTY);
      await new Trainer({
        model: toyModel(),
        trainData: data.map((b) => ({ ...b, numTokens: 2 })),
        args: { outputDir: tmp(), maxSteps: 6, loggingSteps: 3, saveSteps: 100 },
        progress: stream,
      }).train();
      return stream.out;
    };
    const tty = await run(true);
    expect(tty).toContain(`\r\x1b[2K6/6 [${'#'.repeat(20)}] 100%`);
    expect(tty).toMatch(/tok\/s/);
    const plain = await run(false);
    const lines = plain.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^step 3\/6 \| epoch 0\.38 \| loss [\d.]+ \| learningRate .* \| gradNorm [\d.]+ \| [\d.]+ tok\/s \| ETA /,
    );
    expect(lines[1]).toMatch(/^step 6\/6 /);
    const off = fakeStream(false);
    await new Trainer({
      model: toyModel(),
      trainData: data,
      args: { outputDir: tmp(), maxSteps: 2, loggingSteps: 1, disableTqdm: true },
      progress: off,
    }).train();
    expect(off.out).toBe('');
  });
});
