/**
 * What loading a checkpoint should say out loud, as transformers' logger does: tensors the model
 * does not use (silently dropped otherwise) and weights holding NaN or Inf (a model that only ever
 * generates garbage). Warnings go to `onWarning` when given, else to Node's `process.emitWarning`
 * with the type `CheckpointWarning` (printed on stderr by default; the gptft CLI prints them as
 * `gptft: warning: …`).
 */

/** Where load warnings go. */
export type LoadWarningHandler = (message: string) => void;

/** Sends a load warning to `onWarning`, or to `process.emitWarning(message, 'CheckpointWarning')`. */
export function emitLoadWarning(message: string, onWarning?: LoadWarningHandler): void {
  if (onWarning) onWarning(message);
  else if (typeof process === 'undefined')
    console.warn(`CheckpointWarning: ${message}`); // a page
  else process.emitWarning(message, 'CheckpointWarning');
}

/** How many values of a tensor are NaN and how many ±Inf. */
export function countNonFinite(values: Float32Array): { nan: number; inf: number } {
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v - v !== 0) {
      if (Number.isNaN(v)) nan++;
      else inf++;
    }
  }
  return { nan, inf };
}

/** A tensor of a checkpoint that holds NaN or Inf values. */
export interface NonFiniteTensor {
  key: string;
  nan: number;
  inf: number;
}

function list(items: string[], max = 10): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** "file: 2 tensors hold NaN/Inf values: a (3 NaN), b (1 Inf) …", or undefined when there are none. */
export function nonFiniteWarning(where: string, tensors: readonly NonFiniteTensor[]): string | undefined {
  if (tensors.length === 0) return undefined;
  const parts = tensors.map(({ key, nan, inf }) => {
    const counts = [nan > 0 ? `${nan} NaN` : '', inf > 0 ? `${inf} Inf` : ''].filter((s) => s);
    return `${key} (${counts.join(', ')})`;
  });
  return (
    `${where}: ${tensors.length} tensor${tensors.length === 1 ? ' holds' : 's hold'} non-finite values: ` +
    `${list(parts)}; the model's outputs will be NaN or garbage`
  );
}

/** "folder: 3 checkpoint tensors are not used by Class and were ignored: a, b, c", or undefined. */
export function unusedKeysWarning(
  where: string,
  className: string,
  keys: readonly string[],
): string | undefined {
  if (keys.length === 0) return undefined;
  return (
    `${where}: ${keys.length} checkpoint tensor${keys.length === 1 ? ' is' : 's are'} not used by ` +
    `${className} and ${keys.length === 1 ? 'was' : 'were'} ignored: ${list([...keys])}`
  );
}
