/** Downloads from the Hugging Face hub into the shared cache (see hub-cache.ts). */
import type { HubOptions } from './hub-cache.js';

/** Options of {@link resolvePretrained}. */
export interface ResolveOptions extends HubOptions {
  /** Glob patterns of the repo files to download (default: config, tokenizer and safetensors files). */
  allowPatterns?: string[];
}

/** Returns a local folder for a path or hub repo id (download in progress: see next commit). */
export async function resolvePretrained(
  pathOrRepoId: string,
  _options: ResolveOptions = {},
): Promise<string> {
  throw new Error(`@gptft/hub: hub download not implemented yet (asked for ${pathOrRepoId})`);
}

/** Downloads one file of a hub repo into the cache (in progress: see next commit). */
export async function downloadFile(repoId: string, file: string, _options: HubOptions = {}): Promise<string> {
  throw new Error(`@gptft/hub: hub download not implemented yet (asked for ${repoId}/${file})`);
}
