/**
 * Library part of dist/editor/latent-liquid.mjs (PlayCanvas Editor): esbuild bundles this
 * (with onnxruntime-web inlined, `playcanvas` external) and the build appends the readable
 * liquid-volume.mjs, whose JSDoc @attribute tags the Editor parses, to the same file.
 */
import { LiquidVolumeController } from './liquid-volume-controller';
import { StatsOverlay } from './stats-overlay';

export const __latentLiquidEditor = { LiquidVolumeController, StatsOverlay };
