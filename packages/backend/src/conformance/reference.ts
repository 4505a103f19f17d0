// Float64 reference implementations, written out from the definitions with no tfjs involved.
// Matrices are row-major flat arrays.

/** Rows `ids` of a row-major [V, C] matrix, concatenated. */
export function gatherRowsRef(weight: readonly number[], width: number, ids: readonly number[]): number[] {
  const out: number[] = [];
  for (const id of ids) for (let c = 0; c < width; c++) out.push(weight[id * width + c]);
  return out;
}

/** A zero [V, C] matrix into whose row ids[p] each row p of `rows` is added. */
export function scatterAddRowsRef(
  vocab: number,
  width: number,
  ids: readonly number[],
  rows: readonly number[],
): number[] {
  const out = new Array<number>(vocab * width).fill(0);
  ids.forEach((id, p) => {
    for (let c = 0; c < width; c++) out[id * width + c] += rows[p * width + c];
  });
  return out;
}
