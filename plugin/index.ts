/**
 * latent-liquid for PlayCanvas: the `liquidVolume` and `liquidForce` scripts, the controller and the renderer.
 * The engine-agnostic core (solver, latent predictor) is re-exported too.
 */
export { LiquidVolume, LiquidEmitter } from './liquid-volume.mjs';
export { LiquidForce } from './liquid-force.mjs';
export { LiquidVolumeController } from './liquid-volume-controller';
export type { LiquidStatus } from './liquid-volume-controller';
export { DEFAULT_LIQUID_SETTINGS, LIQUID_SETTING_RANGES, LIQUID_ATTRIBUTES, sanitizeSettings } from './liquid-settings';
export type { LiquidVolumeSettings, AttributeSpec, AttributeKind, ModelAssets, LiquidPreset } from './liquid-settings';
export { LiquidStats, Series } from './liquid-stats';
export type { LiquidTimingSource } from './liquid-stats';
export { StatsOverlay } from './stats-overlay';
export { ChildShapeTracker, EMITTER_TAG } from './child-shape-tracker';
export { MeshObstacleTracker, OBSTACLE_TAG } from './mesh-obstacle-tracker';
export type { TrackedObstacle } from './mesh-obstacle-tracker';
export { ObstacleGeometryCache } from './obstacle-geometry-cache';
export type { ObstacleGeometry, PrimitiveKind } from './obstacle-geometry-cache';
export { obstacleParts } from './obstacle-parts';
export type { ObstaclePart } from './obstacle-parts';
export { BodyTracker, BODY_TAG } from './body-tracker';
export type { BodyReadout } from './body-tracker';
export { ForceFieldTracker, registerLiquidForce, liquidForcesOf } from './force-field-tracker';
export type { LiquidForceSource, LiquidForceFalloff } from './force-field-tracker';
export { LiquidWatchers } from './liquid-watchers';
export type { LiquidWatchHandle, LiquidWatchOptions } from './liquid-watchers';
export * from './render';
export * from '../src/index';
