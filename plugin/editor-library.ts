/**
 * Library part of dist/editor/latent-liquid.mjs (PlayCanvas Editor): esbuild bundles this
 * (with onnxruntime-web inlined, `playcanvas` external) and the build appends the readable
 * liquid-volume.mjs and liquid-force.mjs, whose JSDoc @attribute tags the Editor parses, to the same file.
 */
import { LiquidVolumeController } from './liquid-volume-controller';
import { StatsOverlay } from './stats-overlay';
import { registerLiquidForce } from './force-field-tracker';
import { settingsFromAttributes } from './liquid-settings';

/** Everything the scripts import from the plugin's TypeScript (esbuild.config.mjs hands each name to them). */
export const __latentLiquidEditor = { LiquidVolumeController, StatsOverlay, registerLiquidForce, settingsFromAttributes };
