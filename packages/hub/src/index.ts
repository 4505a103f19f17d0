/**
 * @gptft/hub — Hugging Face files: safetensors read/write, checkpoint folders and shards, the HF
 * hub cache and downloads, atomic writes, and the I/O boundary (`Folder`: disk in Node; URL, dropped
 * files, OPFS or memory in a page; zip). Pure TypeScript (no tensor library); the browser build
 * (package.json `browser` map) swaps the Node-only modules for ones that need no Node built-in.
 */
export { writeDirAtomic, writeFileAtomic, writeFileAtomicWith, recoverDirAtomic } from './atomic.js';
export {
  type CheckpointReader,
  type CheckpointTensorInfo,
  type OpenCheckpointOptions,
  openCheckpoint,
  openCheckpointFolder,
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
export {
  type DirectoryHandleLike,
  type FileLike,
  type Folder,
  FolderError,
  filesFolder,
  hubResolveUrl,
  isFolder,
  isWritableFolder,
  joinNames,
  type MemoryFolder,
  memoryFolder,
  opfsFolder,
  subFolder,
  type UrlFolderOptions,
  urlFolder,
  type WritableFolder,
} from './folder.js';
export { isLocalFolder, nodeFolder, readTextFile, toFolder, toWritableFolder } from './node-folder.js';
export { crc32, type ZipEntry, unzipEntries, zipEntries, zipFolder } from './zip.js';
