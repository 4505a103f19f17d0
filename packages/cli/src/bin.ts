#!/usr/bin/env node
import { main } from './main.js';

const code = await main(process.argv.slice(2));
// Let stdout drain before exiting; tfjs/wasm keeps no handles open that must be awaited.
process.exitCode = code;
