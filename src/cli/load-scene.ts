import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadSceneMeshes } from '../node/obj-mesh';
import { isPresetName, presetScene, rescaleScene, PRESET_NAMES } from '../scene/presets';
import type { SceneDescription } from '../scene/scene-description';
import { parseScene } from '../scene/scene-validation';
import { UsageError } from './args';

/**
 * A preset name or a scene JSON file (its mesh obstacles' .obj files read, relative to it),
 * optionally rescaled to `res` cells on its longest axis.
 */
export function loadScene(spec: string | undefined, res?: number): SceneDescription {
  if (!spec) throw new UsageError(`name a scene: one of ${PRESET_NAMES.join(', ')}, or a scene .json file`);
  let scene: SceneDescription;
  if (isPresetName(spec)) {
    scene = presetScene(spec, res ?? undefined);
    return scene;
  }
  if (!existsSync(spec)) {
    throw new UsageError(`'${spec}' is neither a preset (${PRESET_NAMES.join(', ')}) nor an existing scene file`);
  }
  scene = loadSceneMeshes(parseScene(readFileSync(spec, 'utf8')), dirname(spec));
  return res !== undefined ? rescaleScene(scene, res) : scene;
}
