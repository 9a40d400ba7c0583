// Reductions over boxes of grid cells, one box per item (src/gpu/box-reduction-pass.ts drives
// them: detectors, rigid bodies). Prepended to a kernel file (KernelFamily's prelude) that
// declares, anywhere at module scope:
//   alias BoxSums = <its sums struct>;
//   fn noBoxSums() -> BoxSums;  fn addBoxSums(a: BoxSums, b: BoxSums) -> BoxSums;
//   fn boxCellSums(c: vec3<i32>) -> BoxSums;   // one cell of the item being measured
//   var<storage, read_write> partials, results: array<BoxSums>;
// Two dispatches: measureBox with workgroups (groups, items), one partial per thread (no
// barriers); foldBox with one workgroup per item, its partials folded into results[item].

// Thread t of item wid.y's workgroups takes cells t, t + threads, ... of the item's box (x
// fastest, so neighbouring threads read neighbouring cells).
fn measureBox(wid: vec3<u32>, lid: u32, groups: u32, firstCell: vec3<u32>, box: vec3<u32>) {
  let threads = groups * REDUCE_THREADS;
  let t = wid.x * REDUCE_THREADS + lid;
  let total = box.x * box.y * box.z;
  var acc = noBoxSums();
  for (var n = t; n < total; n = n + threads) {
    let c = vec3<i32>(firstCell + vec3<u32>(n % box.x, (n / box.x) % box.y, n / (box.x * box.y)));
    acc = addBoxSums(acc, boxCellSums(c));
  }
  partials[wid.y * threads + t] = acc;
}

var<workgroup> boxScratch: array<BoxSums, REDUCE_THREADS>;

// One workgroup per item: serial folds of its partials, then a REDUCE_THREADS-wide tree.
fn foldBox(item: u32, groups: u32, lid: u32) {
  let threads = groups * REDUCE_THREADS;
  var acc = noBoxSums();
  for (var n = lid; n < threads; n = n + REDUCE_THREADS) {
    acc = addBoxSums(acc, partials[item * threads + n]);
  }
  boxScratch[lid] = acc;
  workgroupBarrier();
  for (var stride = REDUCE_THREADS / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { boxScratch[lid] = addBoxSums(boxScratch[lid], boxScratch[lid + stride]); }
    workgroupBarrier();
  }
  if (lid == 0u) { results[item] = boxScratch[0]; }
}
