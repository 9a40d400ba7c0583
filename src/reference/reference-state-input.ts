import type { ModelStateSpec } from '../latent/model-manifest';
import type { Vec3 } from '../scene/scene-description';

/**
 * The residual of `p` in a pressure system stored as arrays (training/physics.py
 * system_residual): r_i = rhs_i - diag_i p_i + sum over the six neighbours j with diag_j > 0 of
 * p_j at the active cells (diag_i > 0), 0 elsewhere. Double precision; fields are [nz][ny][nx].
 */
export function systemResidual(dims: Vec3, p: ArrayLike<number>, rhs: ArrayLike<number>, diag: ArrayLike<number>): Float64Array {
  const [nx, ny, nz] = dims;
  const out = new Float64Array(nx * ny * nz);
  const active = (i: number, j: number, k: number) => i >= 0 && j >= 0 && k >= 0 && i < nx && j < ny && k < nz && diag[i + nx * (j + ny * k)] > 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const idx = i + nx * (j + ny * k);
        if (!(diag[idx] > 0)) continue;
        let r = rhs[idx] - diag[idx] * p[idx];
        for (const [di, dj, dk] of [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]) {
          if (active(i + di, j + dj, k + dk)) r += p[i + di + nx * (j + dj + ny * (k + dk))];
        }
        out[idx] = r;
      }
    }
  }
  return out;
}

/**
 * CPU reference of `prepareStateInput` (shaders/latent/latent-state.wgsl): the state
 * encoder's input [Cs][nz][ny][nx] from the step's system (the GPU layout, vec4(1/diag, b/diag,
 * mask, diag) per cell, b = .y * .w rounded to float32 as the dataset's rhs.npy), the
 * hydrostatic pressure, the level set and the solid level set (docs/contracts.md "State conditioning").
 */
export function referenceStateInput(dims: Vec3, cellSize: number, fields: { system: Float32Array; hydrostatic: Float32Array; phi: Float32Array; solidPhi: Float32Array },
  spec: ModelStateSpec, levelSetClamp: number): Float32Array {
  const n = dims[0] * dims[1] * dims[2];
  const rhs = new Float32Array(n);
  const diag = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    diag[i] = fields.system[4 * i + 3];
    rhs[i] = fields.system[4 * i + 1] * fields.system[4 * i + 3];
  }
  const r = systemResidual(dims, fields.hydrostatic, rhs, diag);
  const out = new Float32Array(spec.inputChannels.length * n);
  const k = levelSetClamp;
  const clamped = (v: number) => Math.min(k, Math.max(-k, v / cellSize)) / k;
  spec.inputChannels.forEach((channel, c) => {
    for (let i = 0; i < n; i++) {
      out[c * n + i] = channel === 'residual' ? r[i] / spec.residualScale : clamped(channel === 'levelset' ? fields.phi[i] : fields.solidPhi[i]);
    }
  });
  return out;
}
