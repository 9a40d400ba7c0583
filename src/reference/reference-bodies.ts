import type { MeasuredBody } from '../bodies/body-forces-pass';
import type { BodySumsValues } from '../bodies/liquid-bodies';
import type { Vec3 } from '../scene/scene-description';
import { shapeDistance } from '../solver/shape-packing';
import { solidMotionVelocity } from '../colliders/solid-motion';
import { axisVec, type ReferenceGrid } from './reference-grid';

/**
 * Mirror of shaders/bodies/body-forces.wgsl (measureBodies + foldBodies), over every cell of the
 * grid: for each body, the faces between a non-solid cell and a cell carrying the body's solid
 * id; the boundary area per axis, and over wetted faces (liquid cell) the pressure carried
 * hydrostatically to the body's surface, its force and torque (per face axis), and the relative velocity.
 */
export function measureBodies(g: ReferenceGrid, fields: { phi: Float32Array; solidPhi: Float32Array; solidId: Uint32Array; pressure: Float32Array; velocity: Float32Array },
  bodies: readonly MeasuredBody[]): BodySumsValues[] {
  const { phi, solidPhi, solidId, pressure, velocity } = fields;
  const h = g.h;
  const area = h * h;
  const gravity = g.p.gravity;
  return bodies.map((b) => {
    const out: BodySumsValues = { force: [0, 0, 0], torqueX: [0, 0, 0], torqueY: [0, 0, 0], torqueZ: [0, 0, 0], wettedArea: 0, relativeVelocity: [0, 0, 0], boundaryArea: [0, 0, 0] };
    const motion = { center: b.gpu.center, linearVelocity: b.gpu.linearVelocity, angularVelocity: b.gpu.angularVelocity };
    g.forCells((i, j, k, idx) => {
      if (solidPhi[idx] < 0) return;
      const liquid = phi[idx] < 0;
      const xc: Vec3 = [(i + 0.5) * h, (j + 0.5) * h, (k + 0.5) * h];
      const toSurface = Math.min(Math.max(shapeDistance(b.gpu, xc), 0), h);
      for (let n = 0; n < 6; n++) {
        const axis = n >> 1;
        const dir = n & 1 ? 1 : -1;
        const e = axisVec(axis).map((v) => v * dir) as Vec3;
        const [ni, nj, nk] = [i + e[0], j + e[1], k + e[2]];
        if (!g.inGrid(ni, nj, nk) || solidId[g.cell(ni, nj, nk)] !== b.solidId) continue;
        out.boundaryArea[axis] += area;
        if (!liquid) continue;
        const xs: Vec3 = [xc[0] + toSurface * e[0], xc[1] + toSurface * e[1], xc[2] + toSurface * e[2]];
        const ps = pressure[idx] + g.p.density * (gravity[0] * (xs[0] - xc[0]) + gravity[1] * (xs[1] - xc[1]) + gravity[2] * (xs[2] - xc[2]));
        const dF: Vec3 = [ps * area * e[0], ps * area * e[1], ps * area * e[2]];
        const r: Vec3 = [xs[0] - b.gpu.center[0], xs[1] - b.gpu.center[1], xs[2] - b.gpu.center[2]];
        const torque: Vec3 = [r[1] * dF[2] - r[2] * dF[1], r[2] * dF[0] - r[0] * dF[2], r[0] * dF[1] - r[1] * dF[0]];
        const vBody = solidMotionVelocity(motion, xs);
        const axisTorque = [out.torqueX, out.torqueY, out.torqueZ][axis];
        for (let a = 0; a < 3; a++) {
          out.force[a] += dF[a];
          axisTorque[a] += torque[a];
          const ea = axisVec(a);
          // Along the face's axis, the face on the cell's far side from the body (the near one carries the body's velocity).
          const u = a === axis
            ? (dir === 1 ? velocity[g.face(a, i, j, k)] : velocity[g.face(a, i + ea[0], j + ea[1], k + ea[2])])
            : 0.5 * (velocity[g.face(a, i, j, k)] + velocity[g.face(a, i + ea[0], j + ea[1], k + ea[2])]);
          out.relativeVelocity[a] += area * (u - vBody[a]);
        }
        out.wettedArea += area;
      }
    });
    return out;
  });
}
