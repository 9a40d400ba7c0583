// Shared by the latent-predictor kernels (prepended after common.wgsl).

struct LatentParams {
  pressureScale: f32,      // normalized pressure = (p - split * p_hydrostatic) / pressureScale
  split: f32,              // 1 in split mode, 0 in total mode
  inputChannels: u32,      // 1: pressure, 2: pressure + level set
  levelSetClamp: f32,      // level set channel = clamp(phi / dx, -c, c) / c
  codeCount: u32,          // floats in one latent code (C * N)
  window: u32,             // codes in the history
  deltaForm: u32,          // 1: pressure = anchor + (decoded - decoded anchor), see latent-apply.wgsl
  adaptiveThreshold: f32,  // adaptive mode: RMS divergence (1/s) above which a prediction is discarded; 0 = off
  jacobiGroups: vec3<u32>, // workgroups of one full-grid Jacobi dispatch
  _pad: u32,
};

// Running counters of the predictor (read on request only).
struct LatentState {
  nonFinite: atomic<u32>,    // non-finite values in the current prediction (reset per prediction)
  rejected: atomic<u32>,     // predictions rejected for non-finite values, in all
  predictions: atomic<u32>,  // predictions checked, in all
  repairedCodes: atomic<u32>, // non-finite code values kept out of the history, in all
  restore: atomic<u32>,      // 1: the current prediction was discarded, the warm start is restored
  adaptiveFallbacks: atomic<u32>, // predictions discarded by the adaptive check, in all
  _pad0: u32,
  _pad1: u32,
};
