#!/usr/bin/env node
import { main } from './main.js';

// The libraries' warnings (CheckpointWarning: unused tensors, NaN/Inf weights on load; metrics'
// UndefinedMetricWarning) are printed as gptft lines, with or without --verbose, instead of Node's
// "(node:PID) …" ones.
const OWN_WARNINGS = new Set(['CheckpointWarning', 'UndefinedMetricWarning']);
process.removeAllListeners('warning');
process.on('warning', (w) => {
  process.stderr.write(`gptft: warning: ${OWN_WARNINGS.has(w.name) ? '' : `${w.name}: `}${w.message}\n`);
});

const code = await main(process.argv.slice(2));
// Let stdout drain before exiting; tfjs/wasm keeps no handles open that must be awaited.
process.exitCode = code;
