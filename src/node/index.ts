/**
 * latent-liquid/node: Node-only helpers (WebGPU through the `webgpu` package, model folders,
 * .npy files, field dumps) on top of the engine-agnostic core, which is re-exported with the
 * tool-only exports (src/tools.ts).
 */
export { createNodeGpu, NoWebGpuAdapterError, WebGpuPackageMissingError, SWIFTSHADER_ICD, vulkanDriversVisible } from './node-gpu';
export type { NodeGpu } from './node-gpu';
export { loadModelFromDirectory, findShippedModel, shippedModelsProblems, packageRoot } from './model-directory';
export { encodeNpy, decodeNpy, writeNpy, readNpy } from './npy';
export type { NpyArray } from './npy';
export { dumpFrame, frameTag } from './field-dump';
export { encodePngRgba, decodePng, encodeApng, decodeApng } from './png';
export type { RgbaImage } from './png';
export { parseObj, loadObjMesh, loadSceneMeshes } from './obj-mesh';
export type { ObjMesh } from './obj-mesh';
export * from '../index';
export * from '../tools';
