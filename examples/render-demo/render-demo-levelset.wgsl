// Synthetic liquid for the render demo (raw WebGPU compute, no PlayCanvas preprocessing):
// a pool whose surface carries ripples, plus a sphere of liquid falling into it.
// Writes the level set (metres, negative inside, signed distance clamped to a narrow band) and a
// hydrostatic pressure field (Pa, zero in air) in the project's layout, index i + nx*(j + ny*k).

struct Params {
    dims: vec4u,          // nx, ny, nz, unused
    cellSize: f32,
    band: f32,            // clamp of |phi| in metres
    poolHeight: f32,      // rest height of the pool surface (local metres)
    density: f32,
    sphere: vec4f,        // centre xyz, radius (radius <= 0: no sphere)
    ripple: vec4f,        // origin x, origin z, time since impact (< 0: none), amplitude
    gravity: f32,
    time: f32,
    pad0: f32,
    pad1: f32,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> levelSet: array<f32>;
@group(0) @binding(2) var<storage, read_write> pressure: array<f32>;

// Pool surface height at (x, z) with an outgoing, decaying ring wave from the impact point and
// a gentle background swell.
fn surfaceHeight(x: f32, z: f32) -> f32 {
    var height = params.poolHeight;
    // a few travelling swells in different directions
    let t = params.time;
    height += 0.007 * sin(dot(vec2f(x, z), vec2f(8.0, 3.0)) - 2.6 * t);
    height += 0.005 * sin(dot(vec2f(x, z), vec2f(-4.0, 9.5)) - 3.1 * t + 1.7);
    height += 0.004 * sin(dot(vec2f(x, z), vec2f(11.0, -7.0)) - 3.7 * t + 0.6);
    let tr = params.ripple.z;
    if (tr >= 0.0) {
        let r = length(vec2f(x, z) - params.ripple.xy);
        let speed = 0.9;
        let front = speed * tr;
        let k = 22.0;
        let phase = k * (r - front);
        let envelope = exp(-2.2 * tr) * exp(-pow(max(r - front, 0.0) * 12.0, 2.0)) / (1.0 + 3.0 * r);
        height += params.ripple.w * envelope * cos(phase);
    }
    return height;
}

@compute @workgroup_size(4, 4, 4)
fn main(@builtin(global_invocation_id) id: vec3u) {
    let n = params.dims.xyz;
    if (any(id >= n)) {
        return;
    }
    let h = params.cellSize;
    let p = (vec3f(id) + vec3f(0.5)) * h;

    // pool: vertical distance to the surface, corrected by the slope to approximate the distance
    let e = 0.5 * h;
    let s = surfaceHeight(p.x, p.z);
    let sx = (surfaceHeight(p.x + e, p.z) - surfaceHeight(p.x - e, p.z)) / (2.0 * e);
    let sz = (surfaceHeight(p.x, p.z + e) - surfaceHeight(p.x, p.z - e)) / (2.0 * e);
    var phi = (p.y - s) / sqrt(1.0 + sx * sx + sz * sz);

    // falling sphere (union), smoothly blended into the pool when they meet
    if (params.sphere.w > 0.0) {
        let ds = length(p - params.sphere.xyz) - params.sphere.w;
        let k = 0.06;
        let hm = clamp(0.5 + 0.5 * (ds - phi) / k, 0.0, 1.0);
        phi = mix(ds, phi, hm) - k * hm * (1.0 - hm);
    }

    phi = clamp(phi, -params.band, params.band);
    let idx = id.x + n.x * (id.y + n.y * id.z);
    levelSet[idx] = phi;
    // hydrostatic pressure below the pool surface; the falling sphere is in free fall (p = 0)
    pressure[idx] = select(0.0, params.density * params.gravity * max(s - p.y, 0.0), phi < 0.0);
}
