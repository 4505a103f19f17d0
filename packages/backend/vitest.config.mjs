import { sharedVitestConfig } from '@gptft/tooling/vitest';

export default sharedVitestConfig({ setupFiles: ['./test/setup-cpu.ts'] });
