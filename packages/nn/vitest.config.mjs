import { sharedVitestConfig } from '@gptft/tooling/vitest';

export default sharedVitestConfig();
