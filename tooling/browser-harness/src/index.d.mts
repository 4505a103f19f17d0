export declare const CHROMIUM: string;
export declare const CHROMIUM_FLAGS: string[];
export declare function bundle(entry: string, options?: { stub?: string[] }): Promise<string>;
export declare function serve(script: string): Promise<{ url: string; close(): Promise<void> }>;
export declare function runInChromium(
  entry: string,
  options?: { timeoutMs?: number; flags?: string[]; stub?: string[] },
): Promise<{ result: unknown; console: string[]; errors: string[] }>;
