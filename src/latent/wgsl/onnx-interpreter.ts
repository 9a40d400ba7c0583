import { UnsupportedGraphError } from '../model-manifest';
import type { OnnxGraph, OnnxNode } from './onnx-model';

/** A dense tensor of the interpreter (row-major, double precision; integer tensors hold whole numbers). */
export interface CpuTensor {
  dims: number[];
  data: Float64Array;
}

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function strides(dims: number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/** Calls `f(flat index, multi-index)` for every element of `dims`. */
function forEachIndex(dims: number[], f: (flat: number, idx: number[]) => void): void {
  const n = size(dims);
  const idx = new Array<number>(dims.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    f(flat, idx);
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
}

function broadcast(a: CpuTensor, b: CpuTensor, op: (x: number, y: number) => number, where: string): CpuTensor {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: number[]) => [...new Array<number>(rank - d.length).fill(1), ...d];
  const da = pad(a.dims), db = pad(b.dims);
  const dims = da.map((x, i) => {
    if (x !== db[i] && x !== 1 && db[i] !== 1) throw new UnsupportedGraphError(`${where}: shapes [${a.dims}] and [${b.dims}] do not broadcast`);
    return Math.max(x, db[i]);
  });
  const sa = strides(da).map((s, i) => (da[i] === 1 ? 0 : s));
  const sb = strides(db).map((s, i) => (db[i] === 1 ? 0 : s));
  const out = new Float64Array(size(dims));
  forEachIndex(dims, (flat, idx) => {
    let ia = 0, ib = 0;
    for (let k = 0; k < rank; k++) { ia += idx[k] * sa[k]; ib += idx[k] * sb[k]; }
    out[flat] = op(a.data[ia], b.data[ib]);
  });
  return { dims, data: out };
}

function transpose(x: CpuTensor, perm: number[]): CpuTensor {
  const dims = perm.map((p) => x.dims[p]);
  const s = strides(x.dims);
  const out = new Float64Array(x.data.length);
  forEachIndex(dims, (flat, idx) => {
    let src = 0;
    for (let k = 0; k < perm.length; k++) src += idx[k] * s[perm[k]];
    out[flat] = x.data[src];
  });
  return { dims, data: out };
}

/** out[..., m, n] = sum_k a[..., m, k] b[..., k, n] with broadcast batch dimensions (numpy rules). */
function matmul(a: CpuTensor, b: CpuTensor, where: string): CpuTensor {
  const a2 = a.dims.length === 1 ? { dims: [1, a.dims[0]], data: a.data } : a;
  const b2 = b.dims.length === 1 ? { dims: [b.dims[0], 1], data: b.data } : b;
  const [m, k] = a2.dims.slice(-2);
  const [k2, n] = b2.dims.slice(-2);
  if (k !== k2) throw new UnsupportedGraphError(`${where}: MatMul of [${a.dims}] and [${b.dims}]`);
  const batchA = a2.dims.slice(0, -2), batchB = b2.dims.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const pad = (d: number[]) => [...new Array<number>(rank - d.length).fill(1), ...d];
  const ba = pad(batchA), bb = pad(batchB);
  const batch = ba.map((x, i) => Math.max(x, bb[i]));
  const sa = strides(ba).map((s, i) => (ba[i] === 1 ? 0 : s));
  const sb = strides(bb).map((s, i) => (bb[i] === 1 ? 0 : s));
  const out = new Float64Array(size(batch) * m * n);
  forEachIndex(batch, (flat, idx) => {
    let ia = 0, ib = 0;
    for (let q = 0; q < rank; q++) { ia += idx[q] * sa[q]; ib += idx[q] * sb[q]; }
    const offA = ia * m * k, offB = ib * k * n, offO = flat * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) acc += a2.data[offA + i * k + q] * b2.data[offB + q * n + j];
        out[offO + i * n + j] = acc;
      }
    }
  });
  let dims = [...batch, m, n];
  if (a.dims.length === 1) dims = dims.filter((_, i) => i !== dims.length - 2);
  if (b.dims.length === 1) dims = dims.slice(0, -1);
  return { dims, data: out };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a?.kind === 'int' ? a.value : fallback;
}

function intsAttr(node: OnnxNode, name: string): number[] | null {
  const a = node.attributes.get(name);
  return a?.kind === 'ints' ? a.value : null;
}

/**
 * Evaluates a graph of plain tensor ops on the CPU in double precision: Transpose, Add, Sub,
 * Mul, Div, Tanh, Sigmoid, Slice, Concat, Gather, Squeeze, Unsqueeze, Reshape, Identity,
 * MatMul, Gemm, ReduceMean and LSTM (forward, default activations, zero initial state).
 * The WGSL runtime uses it to check that the weights it extracted from the LSTM graph compute
 * what the graph computes; it is not meant to be fast.
 * @throws UnsupportedGraphError on any other op or attribute
 */
export function evaluateOnnxGraph(graph: OnnxGraph, feeds: Record<string, CpuTensor>): Record<string, CpuTensor> {
  const values = new Map<string, CpuTensor>();
  for (const [name, t] of graph.constants) values.set(name, { dims: t.dims, data: Float64Array.from(t.data) });
  for (const [name, t] of Object.entries(feeds)) values.set(name, t);
  const get = (name: string, node: OnnxNode): CpuTensor => {
    const v = values.get(name);
    if (!v) throw new UnsupportedGraphError(`${graph.file}: ${node.opType} '${node.name}' reads '${name}', which nothing produced`);
    return v;
  };
  const ints = (name: string | undefined, node: OnnxNode): number[] | null => (name ? Array.from(get(name, node).data) : null);
  const axis = (a: number, rank: number) => (a < 0 ? a + rank : a);
  for (const node of graph.nodes) {
    if (node.opType === 'Constant') continue;
    const where = `${graph.file}: ${node.opType} '${node.name}'`;
    const x = () => get(node.inputs[0], node);
    let out: CpuTensor | CpuTensor[];
    switch (node.opType) {
      case 'Identity': out = x(); break;
      case 'Add': out = broadcast(x(), get(node.inputs[1], node), (p, q) => p + q, where); break;
      case 'Sub': out = broadcast(x(), get(node.inputs[1], node), (p, q) => p - q, where); break;
      case 'Mul': out = broadcast(x(), get(node.inputs[1], node), (p, q) => p * q, where); break;
      case 'Div': out = broadcast(x(), get(node.inputs[1], node), (p, q) => p / q, where); break;
      case 'Tanh': { const t = x(); out = { dims: t.dims, data: t.data.map(Math.tanh) }; break; }
      case 'Sigmoid': { const t = x(); out = { dims: t.dims, data: t.data.map(sigmoid) }; break; }
      case 'Transpose': {
        const t = x();
        out = transpose(t, intsAttr(node, 'perm') ?? t.dims.map((_, i) => t.dims.length - 1 - i));
        break;
      }
      case 'Slice': {
        const t = x();
        const starts = ints(node.inputs[1], node)!, ends = ints(node.inputs[2], node)!;
        const axes = (ints(node.inputs[3], node) ?? starts.map((_, i) => i)).map((a) => axis(a, t.dims.length));
        const steps = ints(node.inputs[4], node) ?? starts.map(() => 1);
        const lo = t.dims.map(() => 0), step = t.dims.map(() => 1), dims = [...t.dims];
        axes.forEach((a, i) => {
          if (steps[i] <= 0) throw new UnsupportedGraphError(`${where}: step ${steps[i]} (only positive steps)`);
          const d = t.dims[a];
          const clampI = (v: number) => Math.min(d, Math.max(0, v < 0 ? v + d : v));
          lo[a] = clampI(starts[i]);
          step[a] = steps[i];
          dims[a] = Math.max(0, Math.ceil((clampI(ends[i]) - lo[a]) / steps[i]));
        });
        const s = strides(t.dims);
        const data = new Float64Array(size(dims));
        forEachIndex(dims, (flat, idx) => {
          let src = 0;
          for (let k = 0; k < dims.length; k++) src += (lo[k] + idx[k] * step[k]) * s[k];
          data[flat] = t.data[src];
        });
        out = { dims, data };
        break;
      }
      case 'Concat': {
        const parts = node.inputs.map((n) => get(n, node));
        const a = axis(intAttr(node, 'axis', 0), parts[0].dims.length);
        const dims = [...parts[0].dims];
        dims[a] = parts.reduce((s, p) => s + p.dims[a], 0);
        const outer = size(dims.slice(0, a)), inner = size(dims.slice(a + 1));
        const data = new Float64Array(size(dims));
        let offset = 0;
        for (const p of parts) {
          for (let o = 0; o < outer; o++) {
            for (let j = 0; j < p.dims[a] * inner; j++) data[(o * dims[a] + offset) * inner + j] = p.data[o * p.dims[a] * inner + j];
          }
          offset += p.dims[a];
        }
        out = { dims, data };
        break;
      }
      case 'Gather': {
        const t = x();
        const ind = get(node.inputs[1], node);
        const a = axis(intAttr(node, 'axis', 0), t.dims.length);
        const outer = size(t.dims.slice(0, a)), inner = size(t.dims.slice(a + 1));
        const dims = [...t.dims.slice(0, a), ...ind.dims, ...t.dims.slice(a + 1)];
        const data = new Float64Array(size(dims));
        const n = ind.data.length;
        for (let o = 0; o < outer; o++) {
          for (let q = 0; q < n; q++) {
            let i = ind.data[q];
            if (i < 0) i += t.dims[a];
            for (let j = 0; j < inner; j++) data[(o * n + q) * inner + j] = t.data[(o * t.dims[a] + i) * inner + j];
          }
        }
        out = { dims, data };
        break;
      }
      case 'Squeeze': {
        const t = x();
        const axes = (ints(node.inputs[1], node) ?? intsAttr(node, 'axes'))?.map((a) => axis(a, t.dims.length));
        out = { dims: t.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)), data: t.data };
        break;
      }
      case 'Unsqueeze': {
        const t = x();
        const raw = ints(node.inputs[1], node) ?? intsAttr(node, 'axes') ?? [];
        const rank = t.dims.length + raw.length;
        const axes = raw.map((a) => axis(a, rank));
        const dims: number[] = [];
        let src = 0;
        for (let i = 0; i < rank; i++) dims.push(axes.includes(i) ? 1 : t.dims[src++]);
        out = { dims, data: t.data };
        break;
      }
      case 'Reshape': {
        const t = x();
        const shape = ints(node.inputs[1], node)!;
        const zero = intAttr(node, 'allowzero', 0) === 0;
        const dims = shape.map((d, i) => (d === 0 && zero ? t.dims[i] : d));
        const known = dims.reduce((a, d) => (d === -1 ? a : a * d), 1);
        out = { dims: dims.map((d) => (d === -1 ? t.data.length / known : d)), data: t.data };
        if (size(out.dims) !== t.data.length) throw new UnsupportedGraphError(`${where}: cannot reshape [${t.dims}] to [${shape}]`);
        break;
      }
      case 'MatMul': out = matmul(x(), get(node.inputs[1], node), where); break;
      case 'Gemm': {
        let a = x(), b = get(node.inputs[1], node);
        if (intAttr(node, 'transA', 0)) a = transpose(a, [1, 0]);
        if (intAttr(node, 'transB', 0)) b = transpose(b, [1, 0]);
        const alphaA = node.attributes.get('alpha'), betaA = node.attributes.get('beta');
        const alpha = alphaA?.kind === 'float' ? alphaA.value : 1, beta = betaA?.kind === 'float' ? betaA.value : 1;
        const y = matmul(a, b, where);
        y.data = y.data.map((v) => v * alpha);
        out = node.inputs[2] ? broadcast(y, get(node.inputs[2], node), (p, q) => p + beta * q, where) : y;
        break;
      }
      case 'ReduceMean': {
        const t = x();
        const axes = (ints(node.inputs[1], node) ?? intsAttr(node, 'axes') ?? t.dims.map((_, i) => i)).map((a) => axis(a, t.dims.length));
        const keep = intAttr(node, 'keepdims', 1) === 1;
        const kept = t.dims.map((d, i) => (axes.includes(i) ? 1 : d));
        const sk = strides(kept).map((s, i) => (axes.includes(i) ? 0 : s));
        const data = new Float64Array(size(kept));
        forEachIndex(t.dims, (flat, idx) => {
          let o = 0;
          for (let k = 0; k < idx.length; k++) o += idx[k] * sk[k];
          data[o] += t.data[flat];
        });
        const count = axes.reduce((a, i) => a * t.dims[i], 1);
        for (let i = 0; i < data.length; i++) data[i] /= count;
        out = { dims: keep ? kept : t.dims.filter((_, i) => !axes.includes(i)), data };
        break;
      }
      case 'LSTM': out = lstm(node, x(), (n) => (n ? get(n, node) : null), where); break;
      default: throw new UnsupportedGraphError(`${where}: op ${node.opType} is not supported by the CPU interpreter`);
    }
    const outs = Array.isArray(out) ? out : [out];
    node.outputs.forEach((name, i) => { if (name && outs[i]) values.set(name, outs[i]); });
  }
  const result: Record<string, CpuTensor> = {};
  for (const o of graph.outputs) {
    const v = values.get(o.name);
    if (!v) throw new UnsupportedGraphError(`${graph.file}: nothing produced the output '${o.name}'`);
    result[o.name] = v;
  }
  return result;
}

/** ONNX LSTM (layout 0, forward, gates i, o, f, c; sigmoid/tanh/tanh; zero initial state): [Y, Y_h, Y_c]. */
function lstm(node: OnnxNode, x: CpuTensor, opt: (name: string | undefined) => CpuTensor | null, where: string): CpuTensor[] {
  const dir = node.attributes.get('direction');
  if (dir && !(dir.kind === 'string' && dir.value === 'forward')) throw new UnsupportedGraphError(`${where}: direction must be forward`);
  for (const a of ['activations', 'clip', 'activation_alpha', 'activation_beta']) {
    if (node.attributes.has(a)) throw new UnsupportedGraphError(`${where}: attribute ${a} is not supported`);
  }
  if (intAttr(node, 'input_forget', 0) !== 0 || intAttr(node, 'layout', 0) !== 0) throw new UnsupportedGraphError(`${where}: input_forget and layout must be 0`);
  if (node.inputs.slice(4).some((n) => n)) throw new UnsupportedGraphError(`${where}: sequence lengths, initial states and peepholes are not supported`);
  const W = opt(node.inputs[1])!, R = opt(node.inputs[2])!, B = opt(node.inputs[3]);
  const H = intAttr(node, 'hidden_size', R.dims[2]);
  const [T, batch, I] = x.dims;
  if (W.dims.join() !== `1,${4 * H},${I}` || R.dims.join() !== `1,${4 * H},${H}`) throw new UnsupportedGraphError(`${where}: weights [${W.dims}] and [${R.dims}] for input ${I}, hidden ${H}`);
  const Y = new Float64Array(T * batch * H);
  const h = new Float64Array(batch * H), c = new Float64Array(batch * H);
  const g = new Float64Array(4 * H);
  for (let t = 0; t < T; t++) {
    const hPrev = Float64Array.from(h);
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < 4 * H; r++) {
        let acc = B ? B.data[r] + B.data[4 * H + r] : 0;
        for (let k = 0; k < I; k++) acc += W.data[r * I + k] * x.data[(t * batch + b) * I + k];
        for (let k = 0; k < H; k++) acc += R.data[r * H + k] * hPrev[b * H + k];
        g[r] = acc;
      }
      for (let u = 0; u < H; u++) {
        const i = sigmoid(g[u]), o = sigmoid(g[H + u]), f = sigmoid(g[2 * H + u]), cc = Math.tanh(g[3 * H + u]);
        c[b * H + u] = f * c[b * H + u] + i * cc;
        h[b * H + u] = o * Math.tanh(c[b * H + u]);
        Y[(t * batch + b) * H + u] = h[b * H + u];
      }
    }
  }
  return [{ dims: [T, 1, batch, H], data: Y }, { dims: [1, batch, H], data: Float64Array.from(h) }, { dims: [1, batch, H], data: Float64Array.from(c) }];
}
