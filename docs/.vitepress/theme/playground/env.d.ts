// Vite's `?url` imports (the worker's tfjs wasm binaries): the emitted file's URL.
declare module '*?url' {
  const url: string;
  export default url;
}
