// Shared by the latent-predictor kernels (prepended after common.wgsl).

struct LatentParams {
  pressureScale: f32,      // normalized pressure = (p - split * p_hydrostatic) / pressureScale
  split: f32,              // 1 in split mode, 0 in total mode
  inputChannels: u32,      // 1: pressure, 2: pressure + level set
  levelSetClamp: f32,      // level set channel = clamp(phi / dx, -c, c) / c
  codeCount: u32,          // floats in one latent code (C * N)
  window: u32,             // codes in the history
  _pad0: vec2<u32>,
  jacobiGroups: vec3<u32>, // workgroups of one full-grid Jacobi dispatch
  _pad: u32,
};

// Running counters of the predictor (read on request only).
struct LatentState {
  nonFinite: atomic<u32>,    // non-finite values in the current prediction (reset per prediction)
  rejected: atomic<u32>,     // predictions rejected for non-finite values, in all
  predictions: atomic<u32>,  // predictions checked, in all
  repairedCodes: atomic<u32>, // non-finite code values kept out of the history, in all
};
