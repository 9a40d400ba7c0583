/**
 * Entry of dist/editor/latent-liquid-editor.mjs for PlayCanvas Editor projects: everything the
 * liquidVolume script (dist/editor/liquid-volume.mjs) imports, with onnxruntime-web inlined.
 */
export { LiquidVolumeController } from './liquid-volume-controller';
export { StatsOverlay } from './stats-overlay';
export * from './index';
