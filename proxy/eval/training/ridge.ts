/**
 * @module Ridge regression on sparse rows, solved by conjugate gradients on the normal equations: no matrix is
 * ever formed, so tens of thousands of word columns train in well under a second.
 */

/** One training row: the non-zero columns and their values. */
export interface SparseRow {
  index: readonly number[];
  value: readonly number[];
}

export interface RidgeOptions {
  /** L2 penalty on every weight. */
  lambda: number;
  maxIterations?: number;
  /** Stop when the residual norm falls below this share of its starting value. */
  tolerance?: number;
}

/** The weights minimising |Xw − y|² + λ|w|². */
export function fitRidge(
  rows: readonly SparseRow[],
  y: readonly number[],
  columns: number,
  options: RidgeOptions,
): Float64Array {
  const { lambda, maxIterations = 500, tolerance = 1e-6 } = options;
  const scratch = new Float64Array(rows.length);
  // (XᵀX + λI)v, through X v then Xᵀ(X v).
  const normal = (v: Float64Array, out: Float64Array) => {
    rows.forEach((row, r) => {
      let s = 0;
      for (let i = 0; i < row.index.length; i++) s += row.value[i]! * v[row.index[i]!]!;
      scratch[r] = s;
    });
    for (let c = 0; c < columns; c++) out[c] = lambda * v[c]!;
    rows.forEach((row, r) => {
      for (let i = 0; i < row.index.length; i++) out[row.index[i]!]! += row.value[i]! * scratch[r]!;
    });
  };
  const w = new Float64Array(columns);
  const residual = new Float64Array(columns);
  rows.forEach((row, r) => {
    for (let i = 0; i < row.index.length; i++) residual[row.index[i]!]! += row.value[i]! * y[r]!;
  });
  const direction = Float64Array.from(residual);
  const product = new Float64Array(columns);
  let rr = dot(residual, residual);
  const stop = rr * tolerance * tolerance;
  for (let iteration = 0; iteration < maxIterations && rr > stop; iteration++) {
    normal(direction, product);
    const step = rr / dot(direction, product);
    for (let c = 0; c < columns; c++) {
      w[c]! += step * direction[c]!;
      residual[c]! -= step * product[c]!;
    }
    const next = dot(residual, residual);
    for (let c = 0; c < columns; c++) direction[c] = residual[c]! + (next / rr) * direction[c]!;
    rr = next;
  }
  return w;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
