// Gated dispatches (src/gpu/gated-dispatch-args.ts): the
// indirect arguments of a list of dispatches are armed on the GPU from their full workgroup
// counts when the gate is open (its first u32 is not zero: the latent predictor's fallbackArgs,
// armed only for a discarded prediction), and zeroed otherwise, so the work runs only when the
// GPU decided it must, without a readback.

@group(0) @binding(0) var<storage, read> full: array<u32>;        // [dispatch][x, y, z]
@group(0) @binding(1) var<storage, read_write> args: array<u32>;  // the same layout, armed
@group(0) @binding(2) var<storage, read> gate: array<u32>;        // open when gate[0] != 0

@compute @workgroup_size(64)
fn armGatedArgs(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= arrayLength(&full)) { return; }
  args[i] = select(0u, full[i], gate[0] != 0u);
}
