/**
 * latent-liquid: real-time 3D liquids on WebGPU with a learned latent-space pressure predictor.
 * Engine-agnostic core; runs on any GPUDevice (browser or Node). What tools (the CLI, the
 * benchmark, dataset generation, tests) need beyond it is in `./tools`.
 */
export { LiquidSolver } from './solver/liquid-solver';
export type { FrameMetrics, FieldName, LiquidSolverOptions } from './solver/liquid-solver';
export type { PassTimes } from './gpu/gpu-timer';
export { ShaderCompileError } from './gpu/compute-kernel';
export { GridLayout } from './solver/grid-layout';
export { JacobiPressureStage } from './solver/pressure/jacobi-pressure-stage';
export type { PressureStage, PressureStepContext, PressureStepResult, PressureMode } from './solver/pressure/pressure-stage';
export type { ToleranceSolve } from './solver/pressure/jacobi-pressure-solver';
export type { SolveReport, ConvergenceCriterion } from './solver/pressure/solve-control';
export { toGpuShape, packShapes, shapeDistance, quaternionFromEulerDegrees } from './solver/shape-packing';
export type { GpuShape } from './solver/shape-packing';
export { ColliderMesh, MeshColliderError, MESH_COLLIDER_LIMITS } from './colliders/collider-mesh';
export type { MeshGeometry, MeshBounds } from './colliders/collider-mesh';
export { MeshCollider } from './colliders/mesh-collider';
export type { MeshColliderState, MeshMotionOptions } from './colliders/mesh-collider';
export type { MeshColliderSet, MeshColliderOptions } from './colliders/mesh-collider-set';
export { quatFromAxisAngle, quatMultiply, motionBetween, transformPoint, inverseTransformPoint, distanceScale } from './colliders/mesh-transform';
export type { MeshTransform, ResolvedTransform, Quat } from './colliders/mesh-transform';
export { solidMotionVelocity } from './colliders/solid-motion';
export { LiquidBody } from './bodies/liquid-body';
export type { BodyState, BodyForces, LiquidBodyOptions, AppliedForces } from './bodies/liquid-body';
export { LiquidBodies, BODY_READBACK_SLOTS, BODY_FORCE_LIMIT } from './bodies/liquid-bodies';
export type { BodyCounters } from './bodies/liquid-bodies';
export { MAX_BODIES } from './bodies/body-forces-pass';
export { bodyShapeVolume, bodyShapeInertia, bodyShapeProjectedAreas, bodyShapeExtents, validateBodyShape } from './bodies/body-shape';
export type { BodyShape } from './bodies/body-shape';
export type { SolidMotion } from './colliders/solid-motion';
export {
  sphereMesh, boxMesh, torusMesh, lWallMesh, stairsMesh, paddleWheelMesh, rockMesh, cylinderMeshZ, extrudePolygonY, extrudePolygonZ, icosphere, meshVolume,
} from './colliders/procedural-meshes';
export type { TriangleMesh } from './colliders/procedural-meshes';
export * from './scene/scene-description';
export { PRESSURE_VALUES, resolvePressure, defaultPressure, describePressureRange, inPressureRange, pressureValue, pressureProblemText } from './scene/pressure-settings';
export type { PressureValue, PressureNumber, PressureProblem } from './scene/pressure-settings';
export { validateScene, parseScene, SceneValidationError, SCENE_LIMITS, SCENE_DEFAULTS, defaultPressureMethod, validateForceFields, validateDetectorRegion } from './scene/scene-validation';
export { MAX_FORCE_FIELDS } from './forces/force-field';
export { MAX_DETECTORS } from './detectors/detectors-pass';
export { DETECTOR_READBACK_SLOTS } from './detectors/liquid-detectors';
export type { LiquidDetectors, DetectorReading, DetectorCallback, DetectorHandle, DetectorCounters } from './detectors/liquid-detectors';
export { resolveRegion } from './detectors/detector-region';
export type { DetectorRegion, OrientedRegion, ResolvedRegion } from './detectors/detector-region';
export { boxScene, presetScene, rescaleScene, scaleScene, PRESET_NAMES, isPresetName, PRESET_DEFAULT_RESOLUTION } from './scene/presets';
export type { PresetName } from './scene/presets';
export { LatentPressurePredictor } from './latent/latent-pressure-predictor';
export type { HistoryUpdate, LatentCounters, LatentNetwork, LatentRuntimeChoice, LatentRuntimeKind, PredictionForm, PredictorOptions } from './latent/latent-pressure-predictor';
export { LatentPressureStage } from './latent/latent-pressure-stage';
export type { LatentStageStats } from './latent/latent-pressure-stage';
export { LatentScheduler, DEFAULT_LATENT_SCHEDULE } from './latent/latent-scheduler';
export type { LatentSchedule, LatentFallback } from './latent/latent-scheduler';
export { attachLatent, attachLatentPredictor, describeLatentFailure } from './latent/attach-latent';
export type { AttachLatentOptions, LatentAttachFailure, LatentAttachResult, LatentUnavailableReason } from './latent/attach-latent';
export { validateManifest, latentDims, loadModelFiles, loadModelFromUrl, ModelError, ModelCompatibilityError, UnsupportedGraphError } from './latent/model-manifest';
export type { ModelManifest, ModelFiles, LatentMode, ModelStateSpec, StateChannel } from './latent/model-manifest';
export type { OrtOptions } from './latent/ort-session';
export { FoamField, FOAM_PARAMS_LAYOUT } from './foam/foam-field';
export { FOAM_VALUES, DEFAULT_FOAM_SETTINGS, resolveFoamSettings } from './foam/foam-settings';
export type { FoamSettings, FoamValue } from './foam/foam-settings';
