export declare const CHROMIUM: string;
export declare const CHROMIUM_FLAGS: string[];
export declare function bundle(
  entry: string,
  options?: { stub?: string[]; strict?: boolean; minify?: boolean },
): Promise<string>;
export declare function serve(
  script: string | undefined,
  options?: { folders?: Record<string, string>; headers?: Record<string, string> },
): Promise<{ url: string; requests: string[]; close(): Promise<void> }>;
export declare function serveSite(
  root: string,
  options?: { folders?: Record<string, string>; headers?: Record<string, string> },
): Promise<{ url: string; requests: string[]; close(): Promise<void> }>;
export declare function launchChromium(options?: {
  flags?: string[];
}): Promise<import('playwright-core').Browser>;
export declare function runInChromium(
  entry: string,
  options?: {
    timeoutMs?: number;
    flags?: string[];
    stub?: string[];
    strict?: boolean;
    folders?: Record<string, string>;
    headers?: Record<string, string>;
    screenshot?: string;
  },
): Promise<{ result: unknown; console: string[]; errors: string[]; scriptBytes: number }>;
