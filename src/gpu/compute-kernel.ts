import commonSource from '../../shaders/solver/common.wgsl';
import solveControlSource from '../../shaders/solver/solve-control.wgsl';

/** What every kernel gets first unless it opts out: common.wgsl, and the solves' control block. */
const COMMON_HEADER = `${commonSource}\n${solveControlSource}`;

/** How a WGSL global is bound. */
export type BindingKind = 'uniform' | 'storage' | 'read-only-storage';

/** One `@group(0) @binding(n) var<...> name` declaration of a kernel file. */
export interface BindingInfo {
  name: string;
  binding: number;
  kind: BindingKind;
}

const BINDING_RE = /@group\(0\)\s*@binding\((\d+)\)\s*var(?:<\s*([a-z_]+)\s*(?:,\s*([a-z_]+)\s*)?>)?\s+([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Reads the group-0 binding declarations of a WGSL source, so that the bind group layout is
 * derived from the shader and can never drift from it.
 */
export function parseBindings(source: string): BindingInfo[] {
  const out: BindingInfo[] = [];
  for (const m of source.matchAll(BINDING_RE)) {
    const space = m[2];
    const access = m[3];
    let kind: BindingKind;
    if (space === 'uniform') kind = 'uniform';
    else if (space === 'storage') kind = access === 'read_write' ? 'storage' : 'read-only-storage';
    else throw new Error(`binding ${m[4]}: only uniform and storage buffers are supported`);
    out.push({ name: m[4], binding: Number(m[1]), kind });
  }
  return out.sort((a, b) => a.binding - b.binding);
}

/** Error raised when WGSL fails to compile or a pipeline fails validation. */
export class ShaderCompileError extends Error {
  constructor(label: string, details: string) {
    super(`WGSL kernel family '${label}' failed to build:\n${details}`);
    this.name = 'ShaderCompileError';
  }
}

/** A buffer or a sub-range of one, as bound in a bind group. */
export type BufferResource = GPUBuffer | GPUBufferBinding;

/**
 * A family of compute kernels from one WGSL file (common.wgsl prepended): one explicit bind
 * group layout shared by all entry points, one pipeline per entry point, built once.
 */
export class KernelFamily {
  readonly label: string;
  readonly bindings: BindingInfo[];
  readonly layout: GPUBindGroupLayout;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly device: GPUDevice;

  private constructor(device: GPUDevice, label: string, bindings: BindingInfo[], layout: GPUBindGroupLayout) {
    this.device = device;
    this.label = label;
    this.bindings = bindings;
    this.layout = layout;
  }

  /**
   * Compiles `source` and builds a pipeline for each entry point.
   * @param constants pipeline-overridable constants, if the file declares any
   */
  static async create(device: GPUDevice, label: string, source: string, entryPoints: string[],
    constants?: Record<string, number>, options: { prependCommon?: boolean; prelude?: string } = {}): Promise<KernelFamily> {
    // common.wgsl and solve-control.wgsl, then an optional family prelude (shared structs), then the kernel file.
    const header = `${options.prependCommon === false ? '' : `${COMMON_HEADER}\n`}${options.prelude ? `${options.prelude}\n` : ''}`;
    const code = `${header}${source}`;
    const bindings = parseBindings(source);
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ label, code });
    const layout = device.createBindGroupLayout({
      label: `${label}.layout`,
      entries: bindings.map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: b.kind },
      })),
    });
    const pipelineLayout = device.createPipelineLayout({ label: `${label}.pipelineLayout`, bindGroupLayouts: [layout] });
    const family = new KernelFamily(device, label, bindings, layout);
    const built = await Promise.allSettled(entryPoints.map(async (entryPoint) => {
      const pipeline = await device.createComputePipelineAsync({
        label: `${label}.${entryPoint}`,
        layout: pipelineLayout,
        compute: { module, entryPoint, constants },
      });
      family.pipelines.set(entryPoint, pipeline);
    }));
    const scopeError = await device.popErrorScope();
    const failures = built.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (scopeError || failures.length > 0) {
      // Prefer the compiler's own messages; pipeline errors only repeat "invalid module".
      let details = '';
      try {
        const info = await module.getCompilationInfo();
        const offset = countLines(header) - 1;
        for (const m of info.messages) {
          const where = m.lineNum > offset ? `${label}.wgsl line ${m.lineNum - offset}` : `prelude line ${m.lineNum}`;
          details += `\n${m.type} at ${where}: ${m.message}`;
        }
      } catch { /* compilation info is optional */ }
      if (!details) {
        details = scopeError?.message ?? '';
        for (const f of failures) details += `\n${String(f.reason?.message ?? f.reason)}`;
      }
      throw new ShaderCompileError(label, details.trim());
    }
    return family;
  }

  /** The pipeline of one entry point. */
  pipeline(entryPoint: string): GPUComputePipeline {
    const p = this.pipelines.get(entryPoint);
    if (!p) throw new Error(`kernel family '${this.label}' has no entry point '${entryPoint}'`);
    return p;
  }

  /** A bind group from buffers named as in the WGSL declarations; every binding must be given. */
  bindGroup(resources: Record<string, BufferResource>, label?: string): GPUBindGroup {
    const names = new Set(Object.keys(resources));
    const entries: GPUBindGroupEntry[] = this.bindings.map((b) => {
      const r = resources[b.name];
      if (!r) throw new Error(`kernel family '${this.label}': no buffer given for binding '${b.name}'`);
      names.delete(b.name);
      return { binding: b.binding, resource: 'buffer' in r ? r : { buffer: r } };
    });
    if (names.size > 0) throw new Error(`kernel family '${this.label}': unknown bindings ${[...names].join(', ')}`);
    return this.device.createBindGroup({ label: label ?? `${this.label}.bindGroup`, layout: this.layout, entries });
  }
}

function countLines(s: string): number {
  let n = 1;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** Workgroup edge of the 3D kernels (WG in common.wgsl). */
export const WORKGROUP_EDGE = 4;

/** Workgroup counts that cover an [x, y, z] range with 4x4x4 workgroups. */
export function workgroups3d(extent: readonly [number, number, number]): [number, number, number] {
  return [
    Math.ceil(extent[0] / WORKGROUP_EDGE),
    Math.ceil(extent[1] / WORKGROUP_EDGE),
    Math.ceil(extent[2] / WORKGROUP_EDGE),
  ];
}

/** Records one dispatch. */
export function dispatch(pass: GPUComputePassEncoder, pipeline: GPUComputePipeline, bindGroup: GPUBindGroup,
  groups: readonly [number, number, number] | number): void {
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  if (typeof groups === 'number') pass.dispatchWorkgroups(groups);
  else pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
}
