import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LiquidSolver } from '../solver/liquid-solver';
import { writeNpy } from './npy';

/** Zero-padded frame number used in file names. */
export function frameTag(frame: number): string {
  return String(frame).padStart(6, '0');
}

/**
 * Writes the level set, pressure and cell-centred velocity of the solver's current frame as
 * float32 .npy files (`levelset_000100.npy` ...) plus a JSON sidecar (`frame_000100.json`).
 * Axis order: arrays are [nz][ny][nx] (velocity [nz][ny][nx][3]), C order, x fastest.
 */
export async function dumpFrame(solver: LiquidSolver, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const g = solver.grid;
  const tag = frameTag(solver.frame);
  const shape = [g.nz, g.ny, g.nx];
  const [levelset, pressure, velocity] = await Promise.all([solver.readField('levelset'), solver.readField('pressure'), solver.readCellVelocity()]);
  const files = [`levelset_${tag}.npy`, `pressure_${tag}.npy`, `velocity_${tag}.npy`, `frame_${tag}.json`];
  writeNpy(join(dir, files[0]), levelset, shape);
  writeNpy(join(dir, files[1]), pressure, shape);
  writeNpy(join(dir, files[2]), velocity, [...shape, 3]);
  writeFileSync(join(dir, files[3]), JSON.stringify({
    frame: solver.frame,
    t: solver.time,
    scene: solver.scene.name,
    resolution: [g.nx, g.ny, g.nz],
    cellSize: g.cellSize,
    origin: [0, 0, 0],
    gravity: solver.gravityAt(solver.time),
    density: solver.scene.density,
    axisOrder: 'arrays are [nz][ny][nx] (velocity [nz][ny][nx][3] with x,y,z components), C order; cell (i,j,k) has centre ((i+0.5), (j+0.5), (k+0.5)) * cellSize + origin',
    fields: {
      levelset: { file: files[0], units: 'm', note: 'signed distance, negative inside the liquid, clamped to +-band outside the narrow band' },
      pressure: { file: files[1], units: 'Pa', note: 'zero in air and solid cells' },
      velocity: { file: files[2], units: 'm/s', note: 'cell-centred average of the MAC face velocities' },
    },
  }, null, 2));
  return files;
}
