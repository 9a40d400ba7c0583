import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { SceneDescription } from '../scene/scene-description';
import { SceneValidationError } from '../scene/scene-validation';

/** A mesh read from an .obj file: xyz per vertex, three indices per triangle. */
export interface ObjMesh {
  positions: number[];
  indices: number[];
}

/**
 * Reads the geometry of Wavefront .obj text: `v x y z` vertices and `f` faces (`i`, `i/t`,
 * `i//n`, `i/t/n`, negative indices counting back), polygons split into fans. Normals,
 * texture coordinates, groups and materials are ignored.
 * @throws Error naming `source` and the line: a malformed vertex, an index out of range, no face
 */
export function parseObj(text: string, source = '.obj'): ObjMesh {
  const positions: number[] = [];
  const indices: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/#.*/, '').trim();
    if (!line) continue;
    const [keyword, ...rest] = line.split(/\s+/);
    const where = `${source} line ${n + 1}`;
    if (keyword === 'v') {
      const xyz = rest.slice(0, 3).map(Number);
      if (xyz.length < 3 || xyz.some((v) => !Number.isFinite(v))) throw new Error(`${where}: a vertex needs three finite numbers (got "${line}")`);
      positions.push(xyz[0], xyz[1], xyz[2]);
    } else if (keyword === 'f') {
      const vertices = positions.length / 3;
      const corners = rest.map((token) => {
        const i = Number(token.split('/')[0]);
        const index = i < 0 ? vertices + i : i - 1;
        if (!Number.isInteger(i) || i === 0 || index < 0 || index >= vertices) {
          throw new Error(`${where}: face index "${token}" must be 1..${vertices} or -1..-${vertices} (vertices defined so far)`);
        }
        return index;
      });
      if (corners.length < 3) throw new Error(`${where}: a face needs at least three vertices (got "${line}")`);
      for (let c = 1; c + 1 < corners.length; c++) indices.push(corners[0], corners[c], corners[c + 1]);
    }
  }
  if (indices.length === 0) throw new Error(`${source}: no faces ("f" lines) found`);
  return { positions, indices };
}

/** Reads an .obj file's geometry. */
export function loadObjMesh(path: string): ObjMesh {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseObj(text, path);
}

/**
 * Loads the .obj files of a scene's mesh obstacles that hold no inline geometry (paths relative
 * to `baseDir`, the scene file's folder) into their `positions` and `indices`.
 * @throws SceneValidationError naming `obstacles[i].obj` and what went wrong
 */
export function loadSceneMeshes(scene: SceneDescription, baseDir: string): SceneDescription {
  const problems: string[] = [];
  const obstacles = scene.obstacles.map((o, i) => {
    if (o.type !== 'mesh' || !o.obj || (o.positions && o.indices)) return o;
    const path = isAbsolute(o.obj) ? o.obj : join(baseDir, o.obj);
    try {
      const mesh = loadObjMesh(path);
      return { ...o, positions: mesh.positions, indices: mesh.indices };
    } catch (e) {
      problems.push(`obstacles[${i}].obj: ${(e as Error).message}`);
      return o;
    }
  });
  if (problems.length > 0) throw new SceneValidationError(problems);
  return { ...scene, obstacles };
}
