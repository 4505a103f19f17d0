import { existsSync } from 'node:fs';
import { sharedVitestConfig } from '@gptft/tooling/vitest';

// The tests run on SwiftShader (Debian's chromium package ships it; `.ci/run` installs it) so that
// they give the same answers on every machine, GPU or not. GPTFT_WEBGPU_TEST_DRIVER=system runs
// them on the machine's own Vulkan drivers instead (a real GPU). No adapter means failing tests
// with the reason, never skipped ones.
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env = {};
if (
  process.env.GPTFT_WEBGPU_TEST_DRIVER !== 'system' &&
  !process.env.VK_ICD_FILENAMES &&
  existsSync(SWIFTSHADER)
) {
  env.VK_ICD_FILENAMES = SWIFTSHADER;
}

// SwiftShader runs kernels at a few GFLOP/s on an idle machine and far slower on a shared one:
// generous, bounded timeouts (no assertion depends on time).
export default sharedVitestConfig({ env, testTimeout: 900_000, hookTimeout: 900_000 });
