// The state encoder's input of a state-conditioned model (docs/contracts.md "State
// conditioning"), built on every predicted step once the step's pressure system is built
// (src/latent/state-input-kernel.ts). Channels, [Cs][nz][ny][nx]:
//   residual: the residual of the hydrostatic pressure p_s in the step's system,
//     r_i = b_i - diag_i p_s,i + sum over the six neighbours j with diag_j > 0 of p_s,j at
//     cells with diag_i > 0 (0 elsewhere), divided by residualScale. Neighbours count by their
//     own diagonal (as training/physics.py system_residual), not by the mask bits.
//   levelset (optional): clamp(phi / dx, -k, k) / k (the encoder's channel 1).
//   solid (optional): the same of the solid level set.
// `system` holds vec4(1/diag, b/diag, liquid-neighbour mask, diag) per cell, so b = .y * .w
// (what the dataset writes as rhs.npy). CPU reference: src/reference/reference-state-input.ts.

struct StateParams {
  residualScale: f32,
  levelSetClamp: f32,
  levelsetChannel: i32,  // channel of the level set, -1 = none
  solidChannel: i32,     // channel of the solid level set, -1 = none
};

@group(0) @binding(0) var<uniform> params: SimParams;
@group(0) @binding(1) var<uniform> state: StateParams;
@group(0) @binding(2) var<storage, read> system: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> hydrostatic: array<f32>;
@group(0) @binding(4) var<storage, read> phi: array<f32>;
@group(0) @binding(5) var<storage, read> solidPhi: array<f32>;
@group(0) @binding(6) var<storage, read_write> stateInput: array<f32>;

/** p_s of a neighbour if it is an active cell of the system (diag > 0), else 0. */
fn activeHydrostatic(n: vec3<i32>) -> f32 {
  if (!inGrid(n)) { return 0.0; }
  let j = cellIndex(n);
  return select(0.0, hydrostatic[j], system[j].w > 0.0);
}

fn clampedCells(value: f32) -> f32 {
  let k = state.levelSetClamp;
  return clamp(value * params.invCellSize, -k, k) / k;
}

@compute @workgroup_size(WG, WG, WG)
fn prepareStateInput(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = vec3<i32>(gid);
  if (!inGrid(c)) { return; }
  let idx = cellIndex(c);
  let s = system[idx];
  var r = 0.0;
  if (s.w > 0.0) {
    // The order of training's system_residual: b - diag p, then +x, -x, +y, -y, +z, -z.
    r = s.y * s.w - s.w * hydrostatic[idx];
    for (var axis = 0u; axis < 3u; axis = axis + 1u) {
      let e = axisVector(axis);
      r = r + activeHydrostatic(c + e);
      r = r + activeHydrostatic(c - e);
    }
  }
  stateInput[idx] = r / state.residualScale;
  if (state.levelsetChannel >= 0) { stateInput[u32(state.levelsetChannel) * params.cellCount + idx] = clampedCells(phi[idx]); }
  if (state.solidChannel >= 0) { stateInput[u32(state.solidChannel) * params.cellCount + idx] = clampedCells(solidPhi[idx]); }
}
