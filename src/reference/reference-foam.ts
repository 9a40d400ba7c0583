import type { FoamSettings } from '../foam/foam-settings';
import type { Vec3 } from '../scene/scene-description';

/** The grid and step of one foam update (a subset of SimParams). */
export interface FoamReferenceGrid {
  dims: Vec3;
  cellSize: number;
  dt: number;
}

/**
 * CPU mirror of `updateFoam` (shaders/foam/foam.wgsl), in float64: one step of the foam density
 * from the previous density, the level set and the MAC velocity [u | v | w].
 */
export function referenceFoamUpdate(g: FoamReferenceGrid, s: FoamSettings, phi: Float32Array, velocity: Float32Array, foam: Float32Array): Float32Array {
  const [nx, ny, nz] = g.dims;
  const h = g.cellSize;
  const uCount = (nx + 1) * ny * nz;
  const vCount = nx * (ny + 1) * nz;
  const clampC = (c: number[]): Vec3 => [
    Math.min(Math.max(c[0], 0), nx - 1), Math.min(Math.max(c[1], 0), ny - 1), Math.min(Math.max(c[2], 0), nz - 1)];
  const cell = (c: Vec3) => c[0] + nx * (c[1] + ny * c[2]);
  const phiAt = (c: number[]) => phi[cell(clampC(c))];
  const face = (axis: number, i: number, j: number, k: number) => {
    if (axis === 0) return i + (nx + 1) * (j + ny * k);
    if (axis === 1) return uCount + i + nx * (j + (ny + 1) * k);
    return uCount + vCount + i + nx * (j + ny * k);
  };
  const cellVelocity = (cIn: number[]): Vec3 => {
    const [i, j, k] = clampC(cIn);
    return [
      0.5 * (velocity[face(0, i, j, k)] + velocity[face(0, i + 1, j, k)]),
      0.5 * (velocity[face(1, i, j, k)] + velocity[face(1, i, j + 1, k)]),
      0.5 * (velocity[face(2, i, j, k)] + velocity[face(2, i, j, k + 1)]),
    ];
  };
  const len = (v: number[]) => Math.hypot(v[0], v[1], v[2]);
  const sub = (a: number[], b: number[]) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const clamp01 = (x: number) => Math.min(Math.max(x, 0), 1);
  const sampleFoam = (p: Vec3) => {
    const lo: number[] = [], hi: number[] = [], t: number[] = [];
    const n = [nx, ny, nz];
    for (let a = 0; a < 3; a++) {
      const x = Math.min(Math.max(p[a] / h - 0.5, 0), n[a] - 1);
      const f = Math.floor(x);
      lo.push(f);
      hi.push(Math.min(f + 1, n[a] - 1));
      t.push(x - f);
    }
    const v = (x: number, y: number, z: number) => foam[cell([x ? hi[0] : lo[0], y ? hi[1] : lo[1], z ? hi[2] : lo[2]])];
    const mix = (a: number, b: number, w: number) => a + (b - a) * w;
    const a = mix(mix(v(0, 0, 0), v(1, 0, 0), t[0]), mix(v(0, 1, 0), v(1, 1, 0), t[0]), t[1]);
    const b = mix(mix(v(0, 0, 1), v(1, 0, 1), t[0]), mix(v(0, 1, 1), v(1, 1, 1), t[0]), t[1]);
    return mix(a, b, t[2]);
  };
  const out = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const c: Vec3 = [i, j, k];
        const idx = cell(c);
        if (Math.abs(phi[idx]) > s.bandCells * h) continue;
        const u = cellVelocity(c);
        const p: Vec3 = [(i + 0.5) * h - g.dt * u[0], (j + 0.5) * h - g.dt * u[1], (k + 0.5) * h - g.dt * u[2]];
        let f = Math.max(sampleFoam(p) - g.dt / s.lifetime, 0);
        const speed = clamp01((len(u) - s.minSpeed) / (s.fullSpeed - s.minSpeed));
        if (speed > 0) {
          const p0 = phiAt(c);
          const px0 = phiAt([i - 1, j, k]), px1 = phiAt([i + 1, j, k]);
          const py0 = phiAt([i, j - 1, k]), py1 = phiAt([i, j + 1, k]);
          const pz0 = phiAt([i, j, k - 1]), pz1 = phiAt([i, j, k + 1]);
          const kappaH = (px0 + px1 + py0 + py1 + pz0 + pz1 - 6 * p0) / h;
          const outwards = u[0] * (px1 - px0) + u[1] * (py1 - py0) + u[2] * (pz1 - pz0) > 0;
          const crest = outwards ? clamp01(kappaH) : 0;
          const jump = 0.5 * (len(sub(cellVelocity([i + 1, j, k]), cellVelocity([i - 1, j, k])))
            + len(sub(cellVelocity([i, j + 1, k]), cellVelocity([i, j - 1, k])))
            + len(sub(cellVelocity([i, j, k + 1]), cellVelocity([i, j, k - 1]))));
          const impact = clamp01(jump / s.fullSpeed);
          f += s.emissionRate * g.dt * speed * Math.max(crest, impact);
        }
        out[idx] = Math.min(f, 1);
      }
    }
  }
  return out;
}
