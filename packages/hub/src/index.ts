/**
 * @gptft/hub — Hugging Face files: safetensors read/write, checkpoint folders and shards, the HF
 * hub cache and downloads, atomic writes. Pure TypeScript + Node (no tensor library).
 */
export { writeDirAtomic, writeFileAtomic, writeFileAtomicWith, recoverDirAtomic } from './atomic.js';
export {
  type CheckpointReader,
  type CheckpointTensorInfo,
  type OpenCheckpointOptions,
  openCheckpoint,
} from './checkpoint.js';
export { downloadFile, type ResolveOptions, resolvePretrained } from './download.js';
export { CheckpointError, HubError } from './errors.js';
export { bf16BitsToFloat, f16BitsToFloat, floatToBf16Bits, floatToF16Bits } from './half.js';
export {
  defaultCacheDir,
  cachedCommit,
  defaultHubUrl,
  type HubOptions,
  isCommitHash,
  isOfflineEnv,
  repoCacheDir,
  repoFolderName,
  snapshotDir,
} from './hub-cache.js';
export { DEFAULT_MODEL_PATTERNS, matchesAny } from './patterns.js';
export {
  DTYPE_SIZE,
  MAX_HEADER_BYTES,
  type SafetensorsDtype,
  SafetensorsFile,
  type SafetensorsTensorInfo,
} from './safetensors.js';
export { serializeSafetensors, type TensorToWrite, writeSafetensors } from './safetensors-write.js';
