import { sharedVitestConfig } from '@gptft/tooling/vitest';

// One file, run in order: the tarballs are packed and installed once (beforeAll).
export default sharedVitestConfig({ testTimeout: 600_000, hookTimeout: 600_000 });
