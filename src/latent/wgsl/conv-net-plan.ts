import { UnsupportedGraphError } from '../model-manifest';
import type { OnnxGraph, OnnxNode, OnnxTensor } from './onnx-model';

/** One 3D convolution of a plan, with what is fused into it. */
export interface ConvLayer {
  cin: number;
  cout: number;
  /** Cubic kernel edge (1 or 3 ...). */
  kernel: number;
  stride: number;
  /** Zero padding on every side. */
  pad: number;
  /** Weights [cout, cin, k, k, k] as ONNX stores them. */
  weights: Float32Array;
  /** Bias [cout] (zeros when the Conv has none). */
  bias: Float32Array;
  /** LeakyReLU slope applied to the output, or null for a linear output. */
  leak: number | null;
  /** The input is the nearest x2 upsampling of the previous output (fused into the read). */
  upsampleInput: boolean;
}

/** A chain of convolutions: the encoder or the decoder. */
export interface ConvNetPlan {
  /** The file it came from. */
  file: string;
  layers: ConvLayer[];
  inputName: string;
  outputName: string;
}

/** Output extent of a layer along one axis for a (logical, after upsampling) input extent. */
export function convOutputExtent(layer: ConvLayer, inputExtent: number): number {
  return Math.floor((inputExtent + 2 * layer.pad - layer.kernel) / layer.stride) + 1;
}

/**
 * The activation extents [x, y, z] after each layer for an input of `dims` ([x, y, z]).
 * @throws UnsupportedGraphError when a layer's output would be empty
 */
export function convNetShapes(plan: ConvNetPlan, dims: readonly [number, number, number]): [number, number, number][] {
  const out: [number, number, number][] = [];
  let d: [number, number, number] = [dims[0], dims[1], dims[2]];
  for (const [i, layer] of plan.layers.entries()) {
    const input = layer.upsampleInput ? d.map((x) => 2 * x) : d;
    d = input.map((x) => convOutputExtent(layer, x)) as [number, number, number];
    if (d.some((x) => x < 1)) throw new UnsupportedGraphError(`${plan.file}: layer ${i} has an empty output for the input [${dims.join(', ')}]`);
    out.push(d);
  }
  return out;
}

/**
 * The chain's change of resolution per axis: the product of its strides and of its nearest x2
 * upsamplings (Resize ops). The encoder is { stride: 8, upsample: 1 }; a full-resolution
 * decoder { stride: 1, upsample: 8 }; a coarse decoder with one or two Resize ops fewer
 * (manifest latent.decoderDownsample 2 or 4) { stride: 1, upsample: 4 or 2 }.
 */
export function convNetScale(plan: ConvNetPlan): { stride: number; upsample: number } {
  let stride = 1, upsample = 1;
  for (const l of plan.layers) {
    stride *= l.stride;
    if (l.upsampleInput) upsample *= 2;
  }
  return { stride, upsample };
}

/**
 * The output extent [x, y, z] of a chain for an input of `dims` ([x, y, z]): for a coarse
 * decoder, the coarse extent (latent grid * `convNetScale(plan).upsample`).
 * @throws UnsupportedGraphError when a layer's output would be empty
 */
export function convNetOutputDims(plan: ConvNetPlan, dims: readonly [number, number, number]): [number, number, number] {
  const shapes = convNetShapes(plan, dims);
  return shapes[shapes.length - 1];
}

function intsAttr(node: OnnxNode, name: string, fallback: number[] | null, file: string): number[] {
  const a = node.attributes.get(name);
  if (!a) {
    if (fallback) return fallback;
    throw new UnsupportedGraphError(`${file}: ${node.opType} '${node.name}' has no ${name}`);
  }
  if (a.kind !== 'ints') throw new UnsupportedGraphError(`${file}: ${node.opType} '${node.name}' attribute ${name} is not a list of ints`);
  return a.value;
}

function constFloat(graph: OnnxGraph, name: string, what: string): OnnxTensor & { type: 'float32' } {
  const t = graph.constants.get(name);
  if (t?.type !== 'float32') throw new UnsupportedGraphError(`${graph.file}: ${what} '${name}' is not a constant float32 tensor`);
  return t;
}

const allSame = (xs: number[]) => xs.every((x) => x === xs[0]);

/**
 * Recognises the encoder or decoder: a single chain of Conv (3D, cubic kernel, equal strides
 * and symmetric pads, no groups or dilation), each optionally followed by LeakyRelu, with
 * Resize (nearest, scales [1, 1, 2, 2, 2], floor semantics) between layers (fused into the
 * next Conv's input read), any number of them (a coarse decoder has fewer). The graph has one
 * input and one output.
 * @throws UnsupportedGraphError naming the file and the first node it does not recognise
 */
export function recogniseConvNet(graph: OnnxGraph): ConvNetPlan {
  const file = graph.file;
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new UnsupportedGraphError(`${file}: a convolution chain has one input and one output (got ${graph.inputs.length} and ${graph.outputs.length})`);
  }
  const layers: ConvLayer[] = [];
  let current = graph.inputs[0].name;
  let pendingUpsample = false;
  let channels: number | null = graph.inputs[0].dims && typeof graph.inputs[0].dims[1] === 'number' ? graph.inputs[0].dims[1] : null;
  const consumers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) if (i) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  for (const node of graph.nodes) {
    if (node.opType === 'Constant') continue;
    if (node.domain !== '' && node.domain !== 'ai.onnx') throw new UnsupportedGraphError(`${file}: node '${node.name}' is in domain '${node.domain}'`);
    if (node.inputs[0] !== current) {
      throw new UnsupportedGraphError(`${file}: ${node.opType} '${node.name}' does not continue the chain (it reads '${node.inputs[0]}', the chain is at '${current}')`);
    }
    if ((consumers.get(current) ?? 0) !== 1) throw new UnsupportedGraphError(`${file}: '${current}' feeds more than one node (not a chain)`);
    const where = `${node.opType} '${node.name}'`;
    if (node.opType === 'Conv') {
      const w = constFloat(graph, node.inputs[1], `${where} weight`);
      if (w.dims.length !== 5) throw new UnsupportedGraphError(`${file}: ${where} is not a 3D convolution (weight [${w.dims.join(', ')}])`);
      const [cout, cin, kz, ky, kx] = w.dims;
      if (!(kz === ky && ky === kx)) throw new UnsupportedGraphError(`${file}: ${where} has a non-cubic kernel [${kz}, ${ky}, ${kx}]`);
      const group = node.attributes.get('group');
      if (group && (group.kind !== 'int' || group.value !== 1)) throw new UnsupportedGraphError(`${file}: ${where} is a grouped convolution`);
      const dil = intsAttr(node, 'dilations', [1, 1, 1], file);
      if (!dil.every((x) => x === 1)) throw new UnsupportedGraphError(`${file}: ${where} has dilations [${dil.join(', ')}]`);
      const ks = intsAttr(node, 'kernel_shape', [kz, ky, kx], file);
      if (ks.join() !== [kz, ky, kx].join()) throw new UnsupportedGraphError(`${file}: ${where} kernel_shape disagrees with its weight`);
      const auto = node.attributes.get('auto_pad');
      if (auto && !(auto.kind === 'string' && auto.value === 'NOTSET')) throw new UnsupportedGraphError(`${file}: ${where} uses auto_pad`);
      const strides = intsAttr(node, 'strides', [1, 1, 1], file);
      const pads = intsAttr(node, 'pads', [0, 0, 0, 0, 0, 0], file);
      if (strides.length !== 3 || !allSame(strides)) throw new UnsupportedGraphError(`${file}: ${where} has unequal strides [${strides.join(', ')}]`);
      if (pads.length !== 6 || !allSame(pads)) throw new UnsupportedGraphError(`${file}: ${where} has asymmetric pads [${pads.join(', ')}]`);
      if (channels !== null && cin !== channels) throw new UnsupportedGraphError(`${file}: ${where} expects ${cin} input channels, the chain has ${channels}`);
      let bias: Float32Array = new Float32Array(cout);
      if (node.inputs[2]) {
        const b = constFloat(graph, node.inputs[2], `${where} bias`);
        if (b.data.length !== cout) throw new UnsupportedGraphError(`${file}: ${where} bias has ${b.data.length} values for ${cout} channels`);
        bias = b.data;
      }
      layers.push({ cin, cout, kernel: kx, stride: strides[0], pad: pads[0], weights: w.data, bias, leak: null, upsampleInput: pendingUpsample });
      pendingUpsample = false;
      channels = cout;
    } else if (node.opType === 'LeakyRelu') {
      const last = layers[layers.length - 1];
      if (!last || last.leak !== null || pendingUpsample) throw new UnsupportedGraphError(`${file}: ${where} does not follow a Conv`);
      const alpha = node.attributes.get('alpha');
      last.leak = alpha?.kind === 'float' ? alpha.value : 0.01;
    } else if (node.opType === 'Relu') {
      const last = layers[layers.length - 1];
      if (!last || last.leak !== null || pendingUpsample) throw new UnsupportedGraphError(`${file}: ${where} does not follow a Conv`);
      last.leak = 0;
    } else if (node.opType === 'Resize') {
      if (pendingUpsample || layers.length === 0) throw new UnsupportedGraphError(`${file}: ${where} must sit between two convolutions`);
      const mode = node.attributes.get('mode');
      if (!(mode?.kind === 'string' && mode.value === 'nearest')) throw new UnsupportedGraphError(`${file}: ${where} is not nearest-neighbour`);
      const ctm = node.attributes.get('coordinate_transformation_mode');
      const nm = node.attributes.get('nearest_mode');
      const ctmValue = ctm?.kind === 'string' ? ctm.value : 'half_pixel';
      const nmValue = nm?.kind === 'string' ? nm.value : 'round_prefer_floor';
      // For a scale of exactly 2 both of these pick source index floor(i / 2).
      const ok = (ctmValue === 'asymmetric' && nmValue === 'floor') || (ctmValue === 'half_pixel' && nmValue === 'round_prefer_floor');
      if (!ok) throw new UnsupportedGraphError(`${file}: ${where} uses coordinate_transformation_mode ${ctmValue} with nearest_mode ${nmValue}`);
      const scales = node.inputs[2] ? graph.constants.get(node.inputs[2]) : undefined;
      if (node.inputs[3] || !scales || scales.type !== 'float32' || Array.from(scales.data).join() !== '1,1,2,2,2') {
        throw new UnsupportedGraphError(`${file}: ${where} must upsample by constant scales [1, 1, 2, 2, 2]`);
      }
      pendingUpsample = true;
    } else if (node.opType === 'Identity') {
      // passes through
    } else {
      throw new UnsupportedGraphError(`${file}: op ${node.opType} ('${node.name}') is not supported by the WGSL runtime`);
    }
    current = node.outputs[0];
  }
  if (pendingUpsample) throw new UnsupportedGraphError(`${file}: the graph ends with an upsampling`);
  if (layers.length === 0) throw new UnsupportedGraphError(`${file}: no convolution found`);
  if (current !== graph.outputs[0].name) throw new UnsupportedGraphError(`${file}: the chain ends at '${current}', not at the output '${graph.outputs[0].name}'`);
  return { file, layers, inputName: graph.inputs[0].name, outputName: graph.outputs[0].name };
}
