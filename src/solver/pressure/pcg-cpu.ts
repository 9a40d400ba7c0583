/**
 * Conjugate gradients with a modified incomplete Cholesky (MIC(0)) preconditioner for the
 * pressure system of pressure-system.wgsl (diag * p_i - sum_{liquid nbrs} p_j = b_i), in
 * float64 on the CPU. Used to make well-converged pressures for datasets and as a reference;
 * never on the real-time path.
 */
export interface PcgResult {
  pressure: Float64Array;
  iterations: number;
  relativeResidual: number;
}

/**
 * Solves the system given per cell as [1/diag, b/diag, mask, diag] (the GPU's layout).
 * @param start initial guess (warm start), zero where not liquid
 */
export function solvePressurePcg(system: Float32Array, dims: [number, number, number], start: ArrayLike<number>,
  tolerance = 1e-6, maxIterations = 2000): PcgResult {
  const [nx, ny] = dims;
  const n = system.length / 4;
  const sx = 1, sy = nx, sz = nx * ny;
  const diag = new Float64Array(n);
  const b = new Float64Array(n);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    diag[i] = system[4 * i + 3];
    b[i] = system[4 * i + 1] * system[4 * i + 3];
    mask[i] = system[4 * i + 2];
  }
  const strides = [-sx, sx, -sy, sy, -sz, sz];
  const apply = (x: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      if (diag[i] === 0) { out[i] = 0; continue; }
      let s = diag[i] * x[i];
      const m = mask[i];
      for (let k = 0; k < 6; k++) if (m & (1 << k)) s -= x[i + strides[k]];
      out[i] = s;
    }
  };
  // Off-diagonal coefficient towards the +axis neighbour: -1 if both are liquid (bit 1, 3, 5).
  const plus = (i: number, axis: number) => ((mask[i] >> (2 * axis + 1)) & 1 ? -1 : 0);
  const tau = 0.97, sigma = 0.25;
  const precon = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (diag[i] === 0) continue;
    let e = diag[i];
    const prev = [i - sx, i - sy, i - sz];
    for (let a = 0; a < 3; a++) {
      const j = prev[a];
      if (j < 0 || !((mask[i] >> (2 * a)) & 1)) continue;
      const c = plus(j, a) * precon[j];
      e -= c * c;
      let other = 0;
      for (let o = 0; o < 3; o++) if (o !== a) other += plus(j, o);
      e -= tau * plus(j, a) * other * precon[j] * precon[j];
    }
    if (e < sigma * diag[i]) e = diag[i];
    precon[i] = 1 / Math.sqrt(e);
  }
  const q = new Float64Array(n);
  const z = new Float64Array(n);
  const precondition = (r: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      if (diag[i] === 0) { q[i] = 0; continue; }
      let t = r[i];
      const prev = [i - sx, i - sy, i - sz];
      for (let a = 0; a < 3; a++) {
        const j = prev[a];
        if (j >= 0 && (mask[i] >> (2 * a)) & 1) t -= plus(j, a) * precon[j] * q[j];
      }
      q[i] = t * precon[i];
    }
    for (let i = n - 1; i >= 0; i--) {
      if (diag[i] === 0) { out[i] = 0; continue; }
      let t = q[i];
      const next = [i + sx, i + sy, i + sz];
      for (let a = 0; a < 3; a++) if ((mask[i] >> (2 * a + 1)) & 1) t -= plus(i, a) * precon[i] * out[next[a]];
      out[i] = t * precon[i];
    }
  };
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = diag[i] === 0 ? 0 : start[i];
  const r = new Float64Array(n);
  apply(x, r);
  let bNorm = 0;
  for (let i = 0; i < n; i++) { r[i] = b[i] - r[i]; bNorm += b[i] * b[i]; }
  bNorm = Math.sqrt(bNorm);
  const dot = (u: Float64Array, v: Float64Array) => { let s = 0; for (let i = 0; i < n; i++) s += u[i] * v[i]; return s; };
  const norm = () => Math.sqrt(dot(r, r));
  if (bNorm === 0 || norm() / bNorm <= tolerance) return { pressure: x, iterations: 0, relativeResidual: bNorm === 0 ? 0 : norm() / bNorm };
  precondition(r, z);
  const s = Float64Array.from(z);
  const As = new Float64Array(n);
  let rho = dot(z, r);
  let it = 0;
  let rel = norm() / bNorm;
  while (it < maxIterations) {
    it++;
    apply(s, As);
    const alpha = rho / dot(s, As);
    for (let i = 0; i < n; i++) { x[i] += alpha * s[i]; r[i] -= alpha * As[i]; }
    rel = norm() / bNorm;
    if (rel <= tolerance) break;
    precondition(r, z);
    const rhoNew = dot(z, r);
    const beta = rhoNew / rho;
    rho = rhoNew;
    for (let i = 0; i < n; i++) s[i] = z[i] + beta * s[i];
  }
  return { pressure: x, iterations: it, relativeResidual: rel };
}
