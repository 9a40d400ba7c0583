/**
 * What tools build on beyond the public API (src/index.ts): the CLI, the benchmark, dataset
 * generation and the tests. GPU buffers and kernels, readback counting, GPU timers, random
 * scenes, the CPU PCG solve and its pressure stage, ORT session counts. Node users get it with `latent-liquid/node`.
 */
export { cellCentredVelocity, checkDeviceLimits } from './solver/liquid-solver';
export { LiquidFields } from './solver/liquid-fields';
export { GpuTimer } from './gpu/gpu-timer';
export { readbackCount, readFloat32 } from './gpu/readback';
export { KernelFamily } from './gpu/compute-kernel';
export { randomScene, seededRandom, RANDOM_SCENE_KINDS } from './scene/random-scene';
export { PcgPressureStage } from './solver/pressure/pcg-pressure-stage';
export { solvePressurePcg } from './solver/pressure/pcg-cpu';
export type { PcgResult } from './solver/pressure/pcg-cpu';
export { ortSessionCounts } from './latent/ort-session';
