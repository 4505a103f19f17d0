/**
 * Thrown for bad metric input: mismatched lengths, unknown options, malformed tags. The message
 * names the argument and, where there is one, the index (`yPred[12]`, `references[1][40]`).
 */
export class MetricInputError extends Error {
  override readonly name = 'MetricInputError';
}

/** How a metric reports a warning (an ill-defined precision, a tag that is not an entity tag, ...). */
export type WarningHandler = (message: string) => void;

/**
 * Default warning sink: Node's `process.emitWarning` (printed once per distinct message by
 * `warnOnce`), or `console.warn` where there is no `process`.
 */
export function defaultWarningHandler(category: string): WarningHandler {
  return (message) => {
    const proc = (globalThis as { process?: { emitWarning?: (m: string, t: string) => void } }).process;
    if (proc?.emitWarning) proc.emitWarning(message, category);
    else console.warn(`${category}: ${message}`);
  };
}

/** Wraps a handler so that each distinct message is reported once per call of a metric. */
export function onceEach(handler: WarningHandler): WarningHandler {
  const seen = new Set<string>();
  return (message) => {
    if (seen.has(message)) return;
    seen.add(message);
    handler(message);
  };
}
