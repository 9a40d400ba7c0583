import { ModelError } from '../model-manifest';

/**
 * A small reader of ONNX ModelProto files (protobuf wire format), enough for the WGSL runtime
 * to recognise our networks: the graph's nodes (op type, inputs, outputs, attributes), its
 * initializers and Constant tensors (float32 from raw_data or float_data, int32/int64 for
 * shapes and indices), and the names and shapes of the graph inputs and outputs.
 * Field numbers are those of onnx.proto (IR version 3 and later).
 */

/** A constant tensor of a graph (an initializer or a Constant node's value). */
export type OnnxTensor =
  | { name: string; dims: number[]; type: 'float32'; data: Float32Array }
  | { name: string; dims: number[]; type: 'int64' | 'int32'; data: number[] };

/** One attribute of a node. */
export type OnnxAttribute =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: OnnxTensor }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'other'; type: number };

/** One node of a graph. */
export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

/** A graph input or output: its name and shape (a symbolic dimension is its name, unknown is null). */
export interface OnnxValueInfo {
  name: string;
  dims: (number | string | null)[] | null;
}

/** The parts of a ModelProto the runtime reads. */
export interface OnnxGraph {
  /** The file it came from (for messages). */
  file: string;
  /** Default-domain opset version (0 if the file names none). */
  opset: number;
  nodes: OnnxNode[];
  /** Initializers and the values of Constant nodes, by name. */
  constants: Map<string, OnnxTensor>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

const TENSOR_TYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};

/** A protobuf field: its number and wire type, with a varint's value or the bytes of the others. */
type Field = { num: number; wire: 0; value: number } | { num: number; wire: 1 | 2 | 5; bytes: Uint8Array };

class WireError extends Error {}

/**
 * Reads one varint at `state.pos` of `buf` as a signed 64-bit integer (two's complement, as
 * protobuf encodes int64), returned as a Number: exact within +-2^53.
 */
function readVarint(buf: Uint8Array, state: { pos: number }): number {
  let lo = 0, hi = 0, shift = 0;
  for (;;) {
    if (state.pos >= buf.length) throw new WireError('truncated varint');
    const b = buf[state.pos++];
    if (shift < 28) lo |= (b & 0x7f) << shift;
    else if (shift === 28) { lo |= (b & 0x0f) << 28; hi |= (b & 0x7f) >> 4; }
    else hi |= (b & 0x7f) << (shift - 32);
    if ((b & 0x80) === 0) break;
    shift += 7;
    if (shift > 63) throw new WireError('varint longer than 10 bytes');
  }
  if (hi & 0x80000000) return -((~hi >>> 0) * 4294967296 + (~lo >>> 0) + 1);
  return (hi >>> 0) * 4294967296 + (lo >>> 0);
}

/** Reads a message's fields (not recursive). */
function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  const state = { pos: 0 };
  while (state.pos < buf.length) {
    const key = readVarint(buf, state);
    const num = Math.floor(key / 8);
    const wire = key % 8;
    if (num === 0) throw new WireError('field number 0');
    if (wire === 0) {
      out.push({ num, wire, value: readVarint(buf, state) });
      continue;
    }
    let len: number;
    if (wire === 1) len = 8;
    else if (wire === 5) len = 4;
    else if (wire === 2) len = readVarint(buf, state);
    else throw new WireError(`unsupported wire type ${wire} (field ${num})`);
    if (state.pos + len > buf.length) throw new WireError(`field ${num}: length ${len} runs past the end`);
    out.push({ num, wire, bytes: buf.subarray(state.pos, state.pos + len) });
    state.pos += len;
  }
  return out;
}

function float32At(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat32(offset, true);
}

const utf8 = new TextDecoder();

function str(f: Field): string {
  if (f.wire !== 2) throw new WireError(`field ${f.num}: a string expected`);
  return utf8.decode(f.bytes);
}

/** Varints of a repeated integer field, packed or not. */
function varints(fields: Field[], num: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.num !== num) continue;
    if (f.wire === 0) out.push(f.value);
    else if (f.wire === 2) {
      const state = { pos: 0 };
      while (state.pos < f.bytes.length) out.push(readVarint(f.bytes, state));
    } else throw new WireError(`field ${num}: integers expected`);
  }
  return out;
}

/** Floats of a repeated float field (wire type 5 or packed). */
function floats(fields: Field[], num: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.num !== num) continue;
    if (f.wire === 5) out.push(float32At(f.bytes, 0));
    else if (f.wire === 2) {
      if (f.bytes.length % 4 !== 0) throw new WireError(`field ${num}: packed floats of ${f.bytes.length} bytes`);
      for (let i = 0; i < f.bytes.length; i += 4) out.push(float32At(f.bytes, i));
    } else throw new WireError(`field ${num}: floats expected`);
  }
  return out;
}

function first(fields: Field[], num: number): Field | undefined {
  // protobuf: the last occurrence of a singular field wins.
  let found: Field | undefined;
  for (const f of fields) if (f.num === num) found = f;
  return found;
}

function messages(fields: Field[], num: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of fields) if (f.num === num && f.wire === 2) out.push(f.bytes);
  return out;
}

function readTensor(bytes: Uint8Array, file: string, fallbackName = ''): OnnxTensor {
  const t = readFields(bytes);
  const nameField = first(t, 8);
  const name = nameField ? str(nameField) : fallbackName;
  const dims = varints(t, 1);
  const typeField = first(t, 2);
  const dataType = typeField?.wire === 0 ? typeField.value : 0;
  const count = dims.reduce((a, b) => a * b, 1);
  const location = first(t, 14);
  if ((location?.wire === 0 && location.value === 1) || messages(t, 13).length > 0) {
    throw new ModelError(`${file}: tensor '${name}' keeps its data in an external file; only self-contained models are supported`);
  }
  const raw = first(t, 9);
  const rawBytes = raw?.wire === 2 ? raw.bytes : null;
  const sizeCheck = (n: number) => {
    if (n !== count) throw new ModelError(`${file}: tensor '${name}' of shape [${dims.join(', ')}] holds ${n} values`);
  };
  if (dataType === 1) {
    let data: Float32Array;
    if (rawBytes) {
      if (rawBytes.length !== count * 4) sizeCheck(rawBytes.length / 4);
      data = new Float32Array(count);
      const v = new DataView(rawBytes.buffer, rawBytes.byteOffset, rawBytes.byteLength);
      for (let i = 0; i < count; i++) data[i] = v.getFloat32(i * 4, true);
    } else {
      const values = floats(t, 4);
      sizeCheck(values.length);
      data = Float32Array.from(values);
    }
    return { name, dims, type: 'float32', data };
  }
  if (dataType === 7 || dataType === 6) {
    let data: number[];
    if (rawBytes) {
      const size = dataType === 7 ? 8 : 4;
      if (rawBytes.length !== count * size) sizeCheck(rawBytes.length / size);
      const v = new DataView(rawBytes.buffer, rawBytes.byteOffset, rawBytes.byteLength);
      data = [];
      for (let i = 0; i < count; i++) data.push(size === 8 ? Number(v.getBigInt64(i * 8, true)) : v.getInt32(i * 4, true));
    } else {
      data = varints(t, dataType === 7 ? 7 : 5);
      if (dataType === 6) data = data.map((x) => x | 0);
      sizeCheck(data.length);
    }
    return { name, dims, type: dataType === 7 ? 'int64' : 'int32', data };
  }
  throw new ModelError(`${file}: tensor '${name}' has data type ${TENSOR_TYPES[dataType] ?? dataType}; only float32, int32 and int64 tensors are supported`);
}

function readAttribute(bytes: Uint8Array, file: string, node: string): [string, OnnxAttribute] {
  const a = readFields(bytes);
  const nameField = first(a, 1);
  const name = nameField ? str(nameField) : '';
  const typeField = first(a, 20);
  const type = typeField?.wire === 0 ? typeField.value : 0;
  switch (type) {
    case 1: {
      const f = first(a, 2);
      const value = f?.wire === 5 ? float32At(f.bytes, 0) : 0;
      return [name, { kind: 'float', value }];
    }
    case 2: {
      const f = first(a, 3);
      return [name, { kind: 'int', value: f?.wire === 0 ? f.value : 0 }];
    }
    case 3: {
      const f = first(a, 4);
      return [name, { kind: 'string', value: f ? str(f) : '' }];
    }
    case 4: {
      const f = first(a, 5);
      if (f?.wire !== 2) throw new ModelError(`${file}: node '${node}' attribute '${name}' has no tensor`);
      return [name, { kind: 'tensor', value: readTensor(f.bytes, file, name) }];
    }
    case 6: return [name, { kind: 'floats', value: floats(a, 7) }];
    case 7: return [name, { kind: 'ints', value: varints(a, 8) }];
    default: return [name, { kind: 'other', type }];
  }
}

function readValueInfo(bytes: Uint8Array): OnnxValueInfo {
  const v = readFields(bytes);
  const nameField = first(v, 1);
  const name = nameField ? str(nameField) : '';
  const type = first(v, 2);
  if (type?.wire !== 2) return { name, dims: null };
  const tensorType = first(readFields(type.bytes), 1);
  if (tensorType?.wire !== 2) return { name, dims: null };
  const shape = first(readFields(tensorType.bytes), 2);
  if (shape?.wire !== 2) return { name, dims: null };
  const dims = messages(readFields(shape.bytes), 1).map((d) => {
    const df = readFields(d);
    const value = first(df, 1);
    if (value?.wire === 0) return value.value;
    const param = first(df, 2);
    return param ? str(param) : null;
  });
  return { name, dims };
}

/**
 * Parses an ONNX file.
 * @param file the file's name, used in every error message
 * @throws ModelError when the bytes are not a ModelProto, the graph is missing, or a tensor
 *   uses external data or a data type other than float32/int32/int64
 */
export function parseOnnxModel(bytes: Uint8Array, file: string): OnnxGraph {
  try {
    const model = readFields(bytes);
    const graphField = first(model, 7);
    if (graphField?.wire !== 2) throw new ModelError(`${file}: not an ONNX model (no graph)`);
    let opset = 0;
    for (const o of messages(model, 8)) {
      const f = readFields(o);
      const domain = first(f, 1);
      const version = first(f, 2);
      if ((!domain || str(domain) === '' || str(domain) === 'ai.onnx') && version?.wire === 0) opset = version.value;
    }
    const g = readFields(graphField.bytes);
    const constants = new Map<string, OnnxTensor>();
    for (const t of messages(g, 5)) {
      const tensor = readTensor(t, file);
      constants.set(tensor.name, tensor);
    }
    if (messages(g, 15).length > 0) throw new ModelError(`${file}: sparse initializers are not supported`);
    const nodes: OnnxNode[] = messages(g, 1).map((n, index) => {
      const f = readFields(n);
      const nameField = first(f, 3);
      const opField = first(f, 4);
      const domainField = first(f, 7);
      const name = nameField ? str(nameField) : `#${index}`;
      const opType = opField ? str(opField) : '';
      const attributes = new Map<string, OnnxAttribute>();
      for (const a of messages(f, 5)) {
        const [k, v] = readAttribute(a, file, name);
        attributes.set(k, v);
      }
      return {
        name, opType, domain: domainField ? str(domainField) : '', attributes,
        inputs: f.filter((x) => x.num === 1).map(str),
        outputs: f.filter((x) => x.num === 2).map(str),
      };
    });
    for (const n of nodes) {
      if (n.opType !== 'Constant') continue;
      const value = n.attributes.get('value');
      if (value?.kind === 'tensor') constants.set(n.outputs[0], { ...value.value, name: n.outputs[0] });
      else if (value) throw new ModelError(`${file}: Constant node '${n.name}' holds an unsupported value`);
      else {
        const f = n.attributes.get('value_float') ?? n.attributes.get('value_floats');
        const i = n.attributes.get('value_int') ?? n.attributes.get('value_ints');
        if (f?.kind === 'float') constants.set(n.outputs[0], { name: n.outputs[0], dims: [], type: 'float32', data: Float32Array.of(f.value) });
        else if (f?.kind === 'floats') constants.set(n.outputs[0], { name: n.outputs[0], dims: [f.value.length], type: 'float32', data: Float32Array.from(f.value) });
        else if (i?.kind === 'int') constants.set(n.outputs[0], { name: n.outputs[0], dims: [], type: 'int64', data: [i.value] });
        else if (i?.kind === 'ints') constants.set(n.outputs[0], { name: n.outputs[0], dims: [i.value.length], type: 'int64', data: i.value });
        else throw new ModelError(`${file}: Constant node '${n.name}' has no value this reader supports`);
      }
    }
    // Graph inputs that are initializers (older exporters list them) are not real inputs.
    const inputs = messages(g, 11).map(readValueInfo).filter((v) => !constants.has(v.name));
    const outputs = messages(g, 12).map(readValueInfo);
    return { file, opset, nodes, constants, inputs, outputs };
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`${file}: not a readable ONNX model (${(e as Error).message})`);
  }
}

/** Counts of each op type (as the manifest's fileInfo lists them). */
export function opCounts(graph: OnnxGraph): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of graph.nodes) out[n.opType] = (out[n.opType] ?? 0) + 1;
  return out;
}
