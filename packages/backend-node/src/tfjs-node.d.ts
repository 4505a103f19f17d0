// The little of @tensorflow/tfjs-node(-gpu) 4.22 that gptft uses, so this package type-checks
// without them installed (their install downloads libtensorflow).
declare module '@tensorflow/tfjs-node' {
  /** Versions of the union package's parts, plus `tfjs-node`. */
  export const version: Readonly<Record<string, string>>;
}

declare module '@tensorflow/tfjs-node-gpu' {
  export const version: Readonly<Record<string, string>>;
}
