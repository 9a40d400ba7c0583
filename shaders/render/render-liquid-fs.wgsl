// Liquid surface: fragment stage (PlayCanvas ShaderMaterial, WGSL).
//
// Ray-marches the simulation's level set (cell-centred float32, index i + nx*(j + ny*k), metres,
// negative inside the liquid) straight from a storage buffer, in the local frame of the box
// [0, dims * cellSize]. Sphere tracing with the signed distance, a secant/bisection refinement of
// the crossing, normals from central differences, then water shading: Schlick Fresnel reflection
// of the environment (scene env atlas or a procedural sky), refraction of the scene colour grab
// (or of the environment; with the grab, bent again or totally reflected where the ray leaves the
// liquid through a tank wall), Beer-Lambert absorption over the path length inside the liquid with
// in-scattered body colour (what is under the liquid is also lit through it), and a sun highlight.
// Writes the depth of the hit so the liquid composites with the rest of the scene; discards where
// the ray misses the liquid.
//
// Variants (material defines):
//   LIQUID_ENV_ATLAS     reflections from `scene_envAtlas`, decoded with {LIQUID_ENV_DECODE}
//   LIQUID_SCENE_COLOR   refraction reads the camera's scene colour grab `uSceneColorMap`
//   LIQUID_SCENE_DEPTH   the camera's scene depth grab limits the march at opaque geometry
//   LIQUID_DEBUG         debug slice through a second storage buffer (pressure) / the level set
//   LIQUID_FOAM          whitewater: the surface whitened by the foam density (a third storage buffer)

#include "gammaPS"
#include "tonemappingPS"

#ifdef LIQUID_ENV_ATLAS
    #include "decodePS"
    #include "sphericalPS"
    #include "envAtlasPS"
    var scene_envAtlas: texture_2d<f32>;
    var scene_envAtlas_sampler: sampler;
    uniform cubeMapRotationMatrix: mat3x3f;
    uniform skyboxIntensity: f32;
#endif

#ifdef LIQUID_SCENE_COLOR
    var uSceneColorMap: texture_2d<f32>;
    var uSceneColorMapSampler: sampler;
#endif

#define SCREENSIZE
uniform screen_size: vec4f;
#define VIEWMATRIX
uniform matrix_view: mat4x4f;
#define CAMERAPLANES
uniform camera_params: vec4f;

#ifdef LIQUID_SCENE_DEPTH
    #include "screenDepthPS"
#endif

uniform matrix_viewProjection: mat4x4f;
uniform matrix_viewInverse: mat4x4f;
uniform view_position: vec3f;
uniform viewport_size: vec4f;

uniform liquid_model: mat4x4f;
uniform liquid_modelInv: mat4x4f;
uniform liquid_dims: vec3f;
uniform liquid_cellSize: f32;
uniform liquid_color: vec3f;
uniform liquid_absorption: vec3f;
// x: refraction strength, y: reflection strength, z: roughness, w: index of refraction
uniform liquid_optics: vec4f;
uniform liquid_sunDir: vec3f;
uniform liquid_sunColor: vec3f;
uniform liquid_skyZenith: vec3f;
uniform liquid_skyHorizon: vec3f;
uniform liquid_skyGround: vec3f;
// rgb: tint colour (display space), a: strength (0 = off)
uniform liquid_tint: vec4f;

var<storage, read> liquidPhi: array<f32>;

#ifdef LIQUID_FOAM
    // foam density 0..1 per cell (the solver's foam field), and its colour (linear)
    var<storage, read> liquidFoam: array<f32>;
    uniform liquid_foamColor: vec3f;
#endif

#ifdef LIQUID_DEBUG
    // x: mode (1 pressure, 2 level set), y: axis (0 x, 1 y, 2 z), z: slice position 0..1,
    // w: unused
    uniform liquid_debug: vec4f;
    // pressure colour range (min, max) and level-set range in cells
    uniform liquid_debugRange: vec4f;
    var<storage, read> liquidPressure: array<f32>;
#endif

varying vLocalPos: vec3f;

const PI: f32 = 3.141592653589793;
const MAX_TRACE_STEPS: i32 = 192;
const MAX_INSIDE_STEPS: i32 = 96;
const REFINE_STEPS: i32 = 6;

// ---------------------------------------------------------------------------------------------
// Field sampling
// ---------------------------------------------------------------------------------------------

fn gridDims() -> vec3i {
    return vec3i(uniform.liquid_dims + vec3f(0.5));
}

fn cellIndex(c: vec3i, n: vec3i) -> i32 {
    let q = clamp(c, vec3i(0), n - vec3i(1));
    return q.x + n.x * (q.y + n.y * q.z);
}

// Trilinear interpolation of the cell-centred level set at a local position (metres). Outside the
// cell centres the nearest value is extended, so the box faces have no seams.
fn sampleLevelSet(p: vec3f) -> f32 {
    let n = gridDims();
    let g = p / uniform.liquid_cellSize - vec3f(0.5);
    let g0 = floor(g);
    let f = g - g0;
    let c = vec3i(g0);
    let v000 = liquidPhi[cellIndex(c, n)];
    let v100 = liquidPhi[cellIndex(c + vec3i(1, 0, 0), n)];
    let v010 = liquidPhi[cellIndex(c + vec3i(0, 1, 0), n)];
    let v110 = liquidPhi[cellIndex(c + vec3i(1, 1, 0), n)];
    let v001 = liquidPhi[cellIndex(c + vec3i(0, 0, 1), n)];
    let v101 = liquidPhi[cellIndex(c + vec3i(1, 0, 1), n)];
    let v011 = liquidPhi[cellIndex(c + vec3i(0, 1, 1), n)];
    let v111 = liquidPhi[cellIndex(c + vec3i(1, 1, 1), n)];
    let x00 = mix(v000, v100, f.x);
    let x10 = mix(v010, v110, f.x);
    let x01 = mix(v001, v101, f.x);
    let x11 = mix(v011, v111, f.x);
    return mix(mix(x00, x10, f.y), mix(x01, x11, f.y), f.z);
}

// Quadratic B-spline weights (and their derivatives) of the three cells around the nearest cell
// centre c along one axis, for the offset t = g - c in [-0.5, 0.5]. Past the first or last cell the
// missing neighbour is a ghost extrapolated linearly (v[-1] = 2 v[0] - v[1]), folded into the
// weights: a level set that is a plane stays exactly that plane up to the box faces, so a surface
// meeting a wall keeps its height and its normal there (no rim along the waterline).
struct AxisTaps {
    index: vec3i,
    weight: vec3f,
    slope: vec3f,
}

fn axisTaps(g: f32, n: i32) -> AxisTaps {
    // the spline lives between the first and last cell centres; beyond them (at most half a cell,
    // up to the box face) the caller extends it linearly with its gradient
    let gc = clamp(g, 0.0, f32(n - 1));
    let c = i32(clamp(round(gc), 0.0, f32(n - 1)));
    let t = gc - f32(c);
    var taps: AxisTaps;
    taps.index = vec3i(c - 1, c, c + 1);
    taps.weight = vec3f(0.5 * (0.5 - t) * (0.5 - t), 0.75 - t * t, 0.5 * (0.5 + t) * (0.5 + t));
    taps.slope = vec3f(t - 0.5, -2.0 * t, t + 0.5);
    if (c == 0) {
        taps.weight = vec3f(0.0, taps.weight.y + 2.0 * taps.weight.x, taps.weight.z - taps.weight.x);
        taps.slope = vec3f(0.0, taps.slope.y + 2.0 * taps.slope.x, taps.slope.z - taps.slope.x);
        taps.index.x = 0;
    }
    if (c == n - 1) {
        taps.weight = vec3f(taps.weight.x - taps.weight.z, taps.weight.y + 2.0 * taps.weight.z, 0.0);
        taps.slope = vec3f(taps.slope.x - taps.slope.z, taps.slope.y + 2.0 * taps.slope.z, 0.0);
        taps.index.z = n - 1;
    }
    return taps;
}

// The level set and its gradient (xyz: d phi / d p; w: phi) from the triquadratic B-spline of the
// cell values: C1, so the surface has no cell steps on silhouettes and crests and its normals are
// continuous across cells (trilinear interpolation has kinks at every cell face, which showed as
// saw teeth along the edges of a column at 32^3). Linear past the first and last cell centres.
fn sampleSmooth(p: vec3f) -> vec4f {
    let n = gridDims();
    let h = uniform.liquid_cellSize;
    let g = p / h - vec3f(0.5);
    let tx = axisTaps(g.x, n.x);
    let ty = axisTaps(g.y, n.y);
    let tz = axisTaps(g.z, n.z);
    var value = 0.0;
    var grad = vec3f(0.0);
    for (var c = 0; c < 3; c++) {
        var planeV = 0.0;
        var planeDy = 0.0;
        var planeDx = 0.0;
        for (var b = 0; b < 3; b++) {
            let row = n.x * (ty.index[b] + n.y * tz.index[c]);
            let v0 = liquidPhi[row + tx.index.x];
            let v1 = liquidPhi[row + tx.index.y];
            let v2 = liquidPhi[row + tx.index.z];
            let lineV = tx.weight.x * v0 + tx.weight.y * v1 + tx.weight.z * v2;
            let lineDx = tx.slope.x * v0 + tx.slope.y * v1 + tx.slope.z * v2;
            planeV += ty.weight[b] * lineV;
            planeDy += ty.slope[b] * lineV;
            planeDx += ty.weight[b] * lineDx;
        }
        value += tz.weight[c] * planeV;
        grad += vec3f(tz.weight[c] * planeDx, tz.weight[c] * planeDy, tz.slope[c] * planeV);
    }
    grad /= h;
    // linear extension past the outermost cell centres (half a cell, up to the box faces)
    let inside = clamp(p, vec3f(0.5 * h), uniform.liquid_dims * h - vec3f(0.5 * h));
    value += dot(grad, p - inside);
    return vec4f(grad, value);
}

// The surface is searched for with the cheap trilinear field far from it and the smooth one
// within this distance (the two differ by a fraction of a cell near the surface).
fn nearSurfaceBand() -> f32 {
    return 1.5 * uniform.liquid_cellSize;
}

// The level set as the surface search sees it: smooth near the surface, trilinear elsewhere.
fn sampleForSurface(p: vec3f) -> f32 {
    let coarse = sampleLevelSet(p);
    if (abs(coarse) > nearSurfaceBand()) {
        return coarse;
    }
    return sampleSmooth(p).w;
}

// Outward (towards air) unit normal: the gradient of the smooth field.
fn levelSetNormal(p: vec3f, fallback: vec3f) -> vec3f {
    let g = sampleSmooth(p).xyz;
    let len = length(g);
    return select(fallback, g / len, len > 1e-8);
}

// Refines a sign change of the level set on [ta, tb] (phi(ta) = fa, phi(tb) = fb, opposite signs)
// with false position safeguarded by bisection; returns the parameter of the crossing.
fn refineCrossing(ro: vec3f, rd: vec3f, taIn: f32, tbIn: f32, faIn: f32, fbIn: f32) -> f32 {
    var ta = taIn;
    var tb = tbIn;
    var fa = faIn;
    var fb = fbIn;
    for (var i = 0; i < REFINE_STEPS; i++) {
        var tm = ta + (tb - ta) * fa / (fa - fb);
        // keep the secant step away from the ends so the bracket always shrinks
        let lo = mix(ta, tb, 0.1);
        let hi = mix(ta, tb, 0.9);
        tm = select(0.5 * (ta + tb), tm, tm > lo && tm < hi);
        let fm = sampleForSurface(ro + rd * tm);
        if ((fm < 0.0) == (fa < 0.0)) {
            ta = tm;
            fa = fm;
        } else {
            tb = tm;
            fb = fm;
        }
    }
    return ta + (tb - ta) * fa / (fa - fb);
}

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

fn proceduralSky(dir: vec3f, roughness: f32) -> vec3f {
    let y = dir.y;
    var col: vec3f;
    if (y >= 0.0) {
        col = mix(uniform.liquid_skyHorizon, uniform.liquid_skyZenith, pow(y, 0.6));
    } else {
        col = mix(uniform.liquid_skyHorizon * 0.7, uniform.liquid_skyGround, smoothstep(0.0, 0.2, -y));
    }
    // sun disc and glow, widened by the roughness
    let s = max(dot(dir, normalize(uniform.liquid_sunDir)), 0.0);
    let sharp = mix(2000.0, 40.0, clamp(roughness, 0.0, 1.0));
    col += uniform.liquid_sunColor * (pow(s, sharp) * mix(8.0, 0.6, clamp(roughness, 0.0, 1.0)) + pow(s, 8.0) * 0.08);
    return col;
}

fn environment(dirW: vec3f, roughness: f32) -> vec3f {
#ifdef LIQUID_ENV_ATLAS
    let dir = (dirW * uniform.cubeMapRotationMatrix) * vec3f(-1.0, 1.0, 1.0);
    let uv = toSphericalUv(normalize(dir));
    let level = clamp(roughness, 0.0, 1.0) * 5.0;
    let ilevel = floor(level);
    var uvA: vec2f;
    if (ilevel == 0.0) {
        uvA = mapShinyUv(uv, 0.0);
    } else {
        uvA = mapRoughnessUv(uv, ilevel);
    }
    let a = {LIQUID_ENV_DECODE}(textureSampleLevel(scene_envAtlas, scene_envAtlas_sampler, uvA, 0.0));
    let b = {LIQUID_ENV_DECODE}(textureSampleLevel(scene_envAtlas, scene_envAtlas_sampler, mapRoughnessUv(uv, ilevel + 1.0), 0.0));
    return mix(a, b, level - ilevel) * uniform.skyboxIntensity;
#else
    return proceduralSky(dirW, roughness);
#endif
}

// ---------------------------------------------------------------------------------------------
// Shading helpers
// ---------------------------------------------------------------------------------------------

fn schlick(cosTheta: f32, ior: f32) -> f32 {
    let r = (ior - 1.0) / (ior + 1.0);
    let f0 = r * r;
    let m = clamp(1.0 - cosTheta, 0.0, 1.0);
    return f0 + (1.0 - f0) * m * m * m * m * m;
}

// Sun highlight (Fresnel applied by the caller): energy-normalised Blinn-Phong. Unlike GGX it has
// no long tails, so a sharp sun glint on calm water stays a glint instead of a wide glare.
fn sunSpecular(n: vec3f, v: vec3f, roughness: f32) -> vec3f {
    let l = normalize(uniform.liquid_sunDir);
    let nl = dot(n, l);
    if (nl <= 0.0) {
        return vec3f(0.0);
    }
    let h = normalize(l + v);
    let nh = max(dot(n, h), 0.0);
    let alpha = 0.01 + roughness * roughness;
    let power = 2.0 / (alpha * alpha) - 2.0;
    let normalization = (power + 8.0) / (8.0 * PI);
    return uniform.liquid_sunColor * (normalization * pow(nh, power) * nl);
}

fn toWorldPoint(p: vec3f) -> vec3f {
    return (uniform.liquid_model * vec4f(p, 1.0)).xyz;
}

fn toWorldVector(v: vec3f) -> vec3f {
    return (uniform.liquid_model * vec4f(v, 0.0)).xyz;
}

// Normals go with the inverse transpose; (n * M^-1) is transpose(M^-1) * n.
fn toWorldNormal(n: vec3f) -> vec3f {
    return normalize((vec4f(n, 0.0) * uniform.liquid_modelInv).xyz);
}

fn clipDepth(worldPos: vec3f) -> f32 {
    let clip = uniform.matrix_viewProjection * vec4f(worldPos, 1.0);
    return clamp(clip.z / clip.w, 0.0, 1.0);
}

fn viewDepth(worldPos: vec3f) -> f32 {
    return -(uniform.matrix_view * vec4f(worldPos, 1.0)).z;
}

// Light reaching the liquid body for in-scattering: sky from above plus some sun.
fn bodyLight() -> vec3f {
    let sunUp = clamp(normalize(uniform.liquid_sunDir).y, 0.0, 1.0);
    return environment(vec3f(0.0, 1.0, 0.0), 1.0) * 0.8 + uniform.liquid_sunColor * (0.25 * sunUp);
}

// Distance a ray travels inside the liquid between t = 0 and tLimit, counting re-entries (a ray
// leaving a drop and entering the pool below keeps absorbing). With startInside the ray starts on
// the surface, going in. Crossings are placed by linear interpolation between samples.
fn pathInLiquid(ro: vec3f, rd: vec3f, tLimit: f32, startInside: bool) -> f32 {
    let minStep = 0.25 * uniform.liquid_cellSize;
    var inside = startInside;
    var tPrev = 0.0;
    var phiPrev = 0.0;
    var tEntry = 0.0;
    var path = 0.0;
    var t = select(0.0, 0.5 * minStep, startInside);
    for (var i = 0; i < MAX_INSIDE_STEPS; i++) {
        let tc = min(t, tLimit);
        let phi = sampleLevelSet(ro + rd * tc);
        if (i == 0 && !startInside) {
            inside = phi < 0.0;
        } else if (inside && phi >= 0.0) {
            let s = clamp(-phiPrev / max(phi - phiPrev, 1e-9), 0.0, 1.0);
            path += max(mix(tPrev, tc, s) - tEntry, 0.0);
            inside = false;
        } else if (!inside && phi < 0.0) {
            let s = clamp(phiPrev / max(phiPrev - phi, 1e-9), 0.0, 1.0);
            tEntry = mix(tPrev, tc, s);
            inside = true;
        }
        if (tc >= tLimit) {
            break;
        }
        tPrev = tc;
        phiPrev = phi;
        t = tc + max(abs(phi) * 0.9, minStep);
    }
    if (inside) {
        path += max(tLimit - tEntry, 0.0);
    }
    return path;
}

// Distance along a ray from p to the exit of the box.
fn boxExit(p: vec3f, d: vec3f, boxSize: vec3f) -> f32 {
    let ds = select(d, vec3f(1e-8), abs(d) < vec3f(1e-8));
    let inv = 1.0 / ds;
    let tA = (vec3f(0.0) - p) * inv;
    let tB = (boxSize - p) * inv;
    let tMax = max(tA, tB);
    return max(min(min(tMax.x, tMax.y), tMax.z), 0.0);
}

const LIGHT_STEPS: i32 = 32;

// Whether a point where a ray leaves the box is on its bottom face: without a depth grab, what is
// seen there is taken to be what the box stands on (a ray leaving through a side face sees beyond).
fn onBottomFace(p: vec3f) -> bool {
    return p.y <= 1e-3 * uniform.liquid_cellSize;
}

// Transmittance (rgb) of the light that reaches a point q (local) of the opaque scene through the
// liquid above it. Without it the floor under the water is seen as lit as if dry: the view ray's
// absorption alone leaves shallow water a pale haze of the floor colour. The light is the sun
// refracted into the water at a level surface (a sun at or under the horizon at the critical
// angle); its path from q to where it leaves the liquid is found by sphere tracing the level set
// towards it (a bounded number of samples; one for a dry point). Only what is in the box, or on
// what the box stands on (within a cell under its bottom face), is under the liquid.
fn lightTransmittanceAt(q: vec3f, o: Optics) -> vec3f {
    let boxSize = uniform.liquid_dims * uniform.liquid_cellSize;
    let h = uniform.liquid_cellSize;
    if (q.y < -h || q.y > boxSize.y) {
        return vec3f(1.0);
    }
    // Snell at a level surface: the sine of the light's angle from the vertical drops by the ior
    let sunW = normalize(uniform.liquid_sunDir);
    let horizontal = vec2f(sunW.x, sunW.z);
    let sinAir = select(length(horizontal), 1.0, sunW.y <= 0.0);
    let sinWater = sinAir / o.ior;
    let azimuth = select(vec2f(0.0), horizontal / length(horizontal), length(horizontal) > 1e-6);
    let towardsLightW = vec3f(azimuth.x * sinWater, sqrt(1.0 - sinWater * sinWater), azimuth.y * sinWater);
    let dL = normalize((uniform.liquid_modelInv * vec4f(towardsLightW, 0.0)).xyz);
    // A point beside the box (on what it stands on) is lit through the liquid where the light's way
    // crosses the box: it starts where that way enters it. Without this the light jumped from the
    // full depth's absorption to none at the box's sides, a bright dotted line along the bottom
    // edges wherever refraction showed them (issue 24: seams).
    let base = vec3f(q.x, max(q.y, 0.0), q.z);
    let ds = select(dL, vec3f(1e-8), abs(dL) < vec3f(1e-8));
    let tA = (vec3f(0.0) - base) / ds;
    let tB = (boxSize - base) / ds;
    let tIn = max(max(max(min(tA.x, tB.x), min(tA.y, tB.y)), min(tA.z, tB.z)), 0.0);
    let tOut = min(min(max(tA.x, tB.x), max(tA.y, tB.y)), max(tA.z, tB.z));
    if (tOut <= tIn) {
        return vec3f(1.0);
    }
    let p = base + dL * tIn;
    var phiPrev = sampleLevelSet(p);
    if (phiPrev >= 0.0) {
        return vec3f(1.0);
    }
    let tExit = boxExit(p, dL, boxSize);
    let minStep = 0.25 * h;
    var tPrev = 0.0;
    var t = 0.0;
    var path = -1.0;
    for (var i = 0; i < LIGHT_STEPS; i++) {
        t = min(tPrev + max(-phiPrev * 0.9, minStep), tExit);
        let phi = sampleLevelSet(p + dL * t);
        if (phi >= 0.0) {
            path = mix(tPrev, t, clamp(-phiPrev / max(phi - phiPrev, 1e-9), 0.0, 1.0));
            break;
        }
        if (t >= tExit) {
            path = tExit; // the liquid fills the box up to where the light comes in
            break;
        }
        tPrev = t;
        phiPrev = phi;
    }
    if (path < 0.0) {
        path = t; // out of samples deep under the surface: the path is at least this long
    }
    return exp(-o.extinction * path * length(toWorldVector(dL)));
}

// Screen uv of a world point, relative to this fragment (whose view ray passes through refW):
// exact for any viewport, as only the difference of the projections is used.
fn screenUvOf(pointW: vec3f, refW: vec3f, uvFrag: vec2f) -> vec2f {
    let clipB = uniform.matrix_viewProjection * vec4f(pointW, 1.0);
    let clipH = uniform.matrix_viewProjection * vec4f(refW, 1.0);
    var uv = uvFrag;
    if (clipB.w > 1e-5 && clipH.w > 1e-5) {
        let dNdc = clipB.xy / clipB.w - clipH.xy / clipH.w;
        uv = uvFrag + dNdc * vec2f(0.5, -0.5) * uniform.viewport_size.xy * uniform.screen_size.zw;
    }
    return clamp(uv, vec2f(0.0), vec2f(1.0));
}

#ifdef LIQUID_SCENE_COLOR
fn sceneColorAt(uv: vec2f, lod: f32) -> vec3f {
    var c = textureSampleLevel(uSceneColorMap, uSceneColorMapSampler, uv, lod).rgb;
    #ifdef SCENE_COLORMAP_GAMMA
        c = decodeGamma3(c);
    #endif
    return c;
}
#endif

// Whether a world point is in the liquid (trilinear field, a quarter cell deep), or in or under
// it within a cell above the box's floor: what the grabs show there is seen through the liquid.
fn inLiquid(pW: vec3f) -> bool {
    let q = (uniform.liquid_modelInv * vec4f(pW, 1.0)).xyz;
    let boxSize = uniform.liquid_dims * uniform.liquid_cellSize;
    let h = uniform.liquid_cellSize;
    if (any(q < vec3f(-h)) || any(q > boxSize + vec3f(h))) {
        return false;
    }
    return sampleLevelSet(clamp(q, vec3f(0.0), boxSize)) < -0.25 * h;
}

#if defined(LIQUID_SCENE_COLOR) && defined(LIQUID_SCENE_DEPTH)
const SSR_STEPS: i32 = 24;
const SSR_REFINE: i32 = 4;

// Screen-space reflection of the opaque scene (colour and depth grabs): the reflected ray is
// marched in world space with growing steps and tested against the scene depth. Returns the
// colour and a confidence in a (0: nothing found, use the environment).
fn screenSpaceReflection(originW: vec3f, dirW: vec3f, uvFrag: vec2f, lod: f32) -> vec4f {
    let clipO = uniform.matrix_viewProjection * vec4f(originW, 1.0);
    let ndcO = clipO.xy / clipO.w;
    let toUv = vec2f(0.5, -0.5) * uniform.viewport_size.xy * uniform.screen_size.zw;
    let liquidEntryClearance = 1.5 * uniform.liquid_cellSize * length(toWorldVector(vec3f(1.0, 0.0, 0.0)));
    var stepLen = 0.03;
    var t = 0.01;
    var tPrev = t;
    for (var i = 0; i < SSR_STEPS; i++) {
        t += stepLen;
        let p = originW + dirW * t;
        let clip = uniform.matrix_viewProjection * vec4f(p, 1.0);
        if (clip.w <= 1e-4) {
            break;
        }
        let uv = uvFrag + (clip.xy / clip.w - ndcO) * toUv;
        if (any(uv < vec2f(0.0)) || any(uv > vec2f(1.0))) {
            break;
        }
        // a reflected ray that goes (back) into the liquid meets water, not what the grabs show
        // under it: the floor and walls seen through the liquid were reflected as a milky haze
        // where the water meets them (issue 24); the environment stands in for it
        if (t > liquidEntryClearance && inLiquid(p)) {
            return vec4f(0.0);
        }
        let behind = viewDepth(p) - getLinearScreenDepth(uv);
        if (behind > 0.0) {
            if (behind > stepLen * 2.0 + 0.05) {
                break; // passed behind something: what it hides is unknown
            }
            var a = tPrev;
            var b = t;
            var uvHit = uv;
            for (var k = 0; k < SSR_REFINE; k++) {
                let m = 0.5 * (a + b);
                let pm = originW + dirW * m;
                let cm = uniform.matrix_viewProjection * vec4f(pm, 1.0);
                let uvm = clamp(uvFrag + (cm.xy / cm.w - ndcO) * toUv, vec2f(0.0), vec2f(1.0));
                if (viewDepth(pm) > getLinearScreenDepth(uvm)) {
                    b = m;
                    uvHit = uvm;
                } else {
                    a = m;
                }
            }
            if (inLiquid(originW + dirW * b)) {
                return vec4f(0.0);
            }
            let edge = min(min(uvHit.x, 1.0 - uvHit.x), min(uvHit.y, 1.0 - uvHit.y));
            let confidence = smoothstep(0.0, 0.08, edge) * (1.0 - smoothstep(0.6, 1.0, f32(i) / f32(SSR_STEPS)));
            return vec4f(sceneColorAt(uvHit, lod), confidence);
        }
        tPrev = t;
        stepLen *= 1.25;
    }
    return vec4f(0.0);
}
#endif

#ifdef LIQUID_FOAM
// Trilinear sample of the foam density at a local position (metres), like sampleLevelSet.
fn sampleFoam(p: vec3f) -> f32 {
    let n = gridDims();
    let g = p / uniform.liquid_cellSize - vec3f(0.5);
    let g0 = floor(g);
    let f = g - g0;
    let c = vec3i(g0);
    let x00 = mix(liquidFoam[cellIndex(c, n)], liquidFoam[cellIndex(c + vec3i(1, 0, 0), n)], f.x);
    let x10 = mix(liquidFoam[cellIndex(c + vec3i(0, 1, 0), n)], liquidFoam[cellIndex(c + vec3i(1, 1, 0), n)], f.x);
    let x01 = mix(liquidFoam[cellIndex(c + vec3i(0, 0, 1), n)], liquidFoam[cellIndex(c + vec3i(1, 0, 1), n)], f.x);
    let x11 = mix(liquidFoam[cellIndex(c + vec3i(0, 1, 1), n)], liquidFoam[cellIndex(c + vec3i(1, 1, 1), n)], f.x);
    return mix(mix(x00, x10, f.y), mix(x01, x11, f.y), f.z);
}

// Foam on the surface at p (local) with outward normal n (local): an opaque, diffuse layer of
// bubbles lit by the sun and the sky, over the water's colour (tone-mapped, before gamma) in
// proportion to its coverage. A thin film already hides most of the water, so coverage rises
// faster than the density. No foam, no change: the colour is returned as it came.
fn applyFoam(color: vec3f, p: vec3f, n: vec3f) -> vec3f {
    let density = clamp(sampleFoam(p), 0.0, 1.0);
    if (density <= 0.0) {
        return color;
    }
    let coverage = smoothstep(0.0, 0.4, density);
    let nW = toWorldNormal(n);
    let sun = uniform.liquid_sunColor * max(dot(nW, normalize(uniform.liquid_sunDir)), 0.0);
    let sky = environment(nW, 1.0);
    // Lambertian: albedo / pi times the irradiance (the sun's, and the sky's as pi times its radiance)
    let lit = uniform.liquid_foamColor * (sun / PI + sky);
    return mix(color, toneMap(lit), coverage);
}
#endif

#ifdef LIQUID_DEBUG
fn samplePressure(p: vec3f) -> f32 {
    let n = gridDims();
    let g = p / uniform.liquid_cellSize - vec3f(0.5);
    let g0 = floor(g);
    let f = g - g0;
    let c = vec3i(g0);
    let x00 = mix(liquidPressure[cellIndex(c, n)], liquidPressure[cellIndex(c + vec3i(1, 0, 0), n)], f.x);
    let x10 = mix(liquidPressure[cellIndex(c + vec3i(0, 1, 0), n)], liquidPressure[cellIndex(c + vec3i(1, 1, 0), n)], f.x);
    let x01 = mix(liquidPressure[cellIndex(c + vec3i(0, 0, 1), n)], liquidPressure[cellIndex(c + vec3i(1, 0, 1), n)], f.x);
    let x11 = mix(liquidPressure[cellIndex(c + vec3i(0, 1, 1), n)], liquidPressure[cellIndex(c + vec3i(1, 1, 1), n)], f.x);
    return mix(mix(x00, x10, f.y), mix(x01, x11, f.y), f.z);
}

// Perceptual rainbow (blue - cyan - green - yellow - red), display space.
fn colorMap(x: f32) -> vec3f {
    let t = clamp(x, 0.0, 1.0);
    let c0 = vec3f(0.19, 0.07, 0.23);
    let c1 = vec3f(0.16, 0.47, 0.93);
    let c2 = vec3f(0.13, 0.84, 0.66);
    let c3 = vec3f(0.65, 0.98, 0.23);
    let c4 = vec3f(0.98, 0.73, 0.21);
    let c5 = vec3f(0.80, 0.17, 0.05);
    let s = t * 5.0;
    if (s < 1.0) { return mix(c0, c1, s); }
    if (s < 2.0) { return mix(c1, c2, s - 1.0); }
    if (s < 3.0) { return mix(c2, c3, s - 2.0); }
    if (s < 4.0) { return mix(c3, c4, s - 3.0); }
    return mix(c4, c5, s - 4.0);
}

fn debugSliceColor(p: vec3f) -> vec3f {
    let h = uniform.liquid_cellSize;
    let phi = sampleLevelSet(p);
    let surfaceLine = 1.0 - smoothstep(0.15 * h, 0.35 * h, abs(phi));
    if (uniform.liquid_debug.x < 1.5) {
        // pressure where there is liquid, dark grey in the air, white zero contour
        let range = uniform.liquid_debugRange;
        let x = (samplePressure(p) - range.x) / max(range.y - range.x, 1e-20);
        var col = select(vec3f(0.13, 0.13, 0.15), colorMap(x), phi < 0.0);
        // isobars every tenth of the range
        let band = fract(x * 10.0);
        col *= select(1.0, 0.8 + 0.2 * smoothstep(0.0, 0.08, min(band, 1.0 - band)), phi < 0.0);
        return mix(col, vec3f(1.0), surfaceLine);
    }
    // level set in cells: blue inside, orange outside, contour every cell
    let cells = phi / h;
    let x = clamp(cells / max(uniform.liquid_debugRange.z, 1e-6), -1.0, 1.0);
    var col = select(mix(vec3f(0.95, 0.93, 0.9), vec3f(0.85, 0.35, 0.08), x),
                     mix(vec3f(0.95, 0.93, 0.9), vec3f(0.08, 0.3, 0.85), -x), cells < 0.0);
    let band = fract(cells);
    col *= 0.85 + 0.15 * smoothstep(0.0, 0.12, min(band, 1.0 - band));
    return mix(col, vec3f(0.0), surfaceLine);
}
#endif

// ---------------------------------------------------------------------------------------------
// Ray set-up
// ---------------------------------------------------------------------------------------------

struct Ray {
    ro: vec3f,
    rd: vec3f,
}

// The view ray through this fragment in the box's local frame (perspective or orthographic).
fn viewRayLocal() -> Ray {
    var ray: Ray;
    if (uniform.camera_params.w > 0.5) {
        // orthographic: parallel rays along the camera's forward axis, starting on its plane
        let fwdW = -normalize(uniform.matrix_viewInverse[2].xyz);
        let rdU = (uniform.liquid_modelInv * vec4f(fwdW, 0.0)).xyz;
        let depthToFrag = dot(toWorldPoint(vLocalPos) - uniform.view_position, fwdW);
        ray.ro = vLocalPos - rdU * depthToFrag;
        ray.rd = normalize(rdU);
    } else {
        ray.ro = (uniform.liquid_modelInv * vec4f(uniform.view_position, 1.0)).xyz;
        ray.rd = normalize(vLocalPos - ray.ro);
    }
    return ray;
}

struct BoxSpan {
    // where the ray enters the box (may be behind the camera) and the part of it to march
    tEnter: f32,
    tStart: f32,
    tEnd: f32,
    // axis of the face the ray enters through
    entryAxis: i32,
    // whether the span ends at the opaque scene (its depth grab) rather than at the box
    metScene: bool,
}

// Clips the ray to the box [0, boxSize] with slabs, and to the opaque scene (its depth grab at
// this pixel, `sceneDepth`, a view depth).
fn clipToBox(ray: Ray, boxSize: vec3f, sceneDepth: f32) -> BoxSpan {
    let rds = select(ray.rd, vec3f(1e-8), abs(ray.rd) < vec3f(1e-8));
    let inv = 1.0 / rds;
    let tA = (vec3f(0.0) - ray.ro) * inv;
    let tB = (boxSize - ray.ro) * inv;
    let tMinV = min(tA, tB);
    let tMaxV = max(tA, tB);
    var span: BoxSpan;
    span.tEnter = max(max(tMinV.x, tMinV.y), tMinV.z);
    span.tStart = max(span.tEnter, 0.0);
    span.tEnd = min(min(tMaxV.x, tMaxV.y), tMaxV.z);
    span.entryAxis = 0;
    if (tMinV.y >= tMinV.x && tMinV.y >= tMinV.z) {
        span.entryAxis = 1;
    } else if (tMinV.z >= tMinV.x && tMinV.z >= tMinV.y) {
        span.entryAxis = 2;
    }
    // view depth along the ray is affine in t: depth(t) = d0 + t * d1
    let d0 = viewDepth(toWorldPoint(ray.ro));
    let d1 = -(uniform.matrix_view * vec4f(toWorldVector(ray.rd), 0.0)).z;
    span.metScene = false;
    if (d1 > 1e-6) {
        let tScene = (sceneDepth - d0) / d1;
        span.metScene = tScene < span.tEnd;
        span.tEnd = min(span.tEnd, tScene);
    }
    return span;
}

// ---------------------------------------------------------------------------------------------
// Finding the surface
// ---------------------------------------------------------------------------------------------

const HIT_NONE: i32 = 0;
const HIT_FROM_AIR: i32 = 1;
const HIT_UNDERWATER: i32 = 2;

struct SurfaceHit {
    kind: i32,
    t: f32,
    // outward (towards air) normal, local frame
    normal: vec3f,
}

// Sphere traces the level set along the ray from outside the liquid. A ray that enters the box
// where the liquid touches a wall takes that wall as the surface (a flat face); a ray that starts
// inside the liquid (camera in it) is underwater.
fn findSurface(ray: Ray, span: BoxSpan) -> SurfaceHit {
    var hit: SurfaceHit;
    hit.kind = HIT_NONE;
    hit.t = 0.0;
    hit.normal = -ray.rd;
    let minStep = 0.25 * uniform.liquid_cellSize;
    let phiStart = sampleForSurface(ray.ro + ray.rd * span.tStart);
    if (phiStart < 0.0) {
        if (span.tEnter > 0.0) {
            hit.kind = HIT_FROM_AIR;
            hit.t = span.tStart;
            var n = vec3f(0.0);
            n[span.entryAxis] = -sign(ray.rd[span.entryAxis]);
            hit.normal = n;
        } else {
            hit.kind = HIT_UNDERWATER;
        }
        return hit;
    }
    var tPrev = span.tStart;
    var phiPrev = phiStart;
    for (var i = 0; i < MAX_TRACE_STEPS; i++) {
        let t = min(tPrev + max(phiPrev * 0.9, minStep), span.tEnd);
        let phi = sampleForSurface(ray.ro + ray.rd * t);
        if (phi < 0.0) {
            hit.kind = HIT_FROM_AIR;
            hit.t = refineCrossing(ray.ro, ray.rd, tPrev, t, phiPrev, phi);
            hit.normal = levelSetNormal(ray.ro + ray.rd * hit.t, -ray.rd);
            return hit;
        }
        if (t >= span.tEnd) {
            break;
        }
        tPrev = t;
        phiPrev = phi;
    }
    return hit;
}

// From inside the liquid: the distance to the surface along the ray, or tEnd with found = false.
struct ExitHit {
    found: bool,
    t: f32,
}

fn findSurfaceFromInside(ray: Ray, span: BoxSpan) -> ExitHit {
    let minStep = 0.25 * uniform.liquid_cellSize;
    var tPrev = span.tStart;
    // the march is trilinear (a camera in the liquid runs it on every pixel); the crossing it
    // brackets is refined on the smooth field
    var phiPrev = sampleLevelSet(ray.ro + ray.rd * span.tStart);
    var result: ExitHit;
    result.found = false;
    result.t = span.tEnd;
    for (var i = 0; i < MAX_TRACE_STEPS; i++) {
        let t = min(tPrev + max(-phiPrev * 0.9, minStep), span.tEnd);
        let phi = sampleLevelSet(ray.ro + ray.rd * t);
        if (phi >= 0.0) {
            result.t = refineCrossing(ray.ro, ray.rd, tPrev, t, phiPrev, phi);
            result.found = true;
            break;
        }
        if (t >= span.tEnd) {
            break;
        }
        tPrev = t;
        phiPrev = phi;
    }
    return result;
}

// ---------------------------------------------------------------------------------------------
// Refraction
// ---------------------------------------------------------------------------------------------

struct RefractionEnd {
    // screen uv of what the refracted ray sees
    uv: vec2f,
    // distance (local units) at which it meets the opaque scene, or -1 if it does not in view
    t: f32,
    // direction (local) of the ray past the box exit, and whether it was totally reflected there
    // back into the liquid instead of leaving the box
    dOut: vec3f,
    mirrored: bool,
    // world point of the ray whose screen position is `uv` (the last one in front of the scene
    // when the ray meets nothing in view)
    lastSeenW: vec3f,
}

#if defined(LIQUID_SCENE_COLOR) && defined(LIQUID_SCENE_DEPTH)
// The opaque scene point seen at screen uv behind the world point pW (on the camera ray through
// pW, at the depth grab's depth there).
fn scenePointBehind(pW: vec3f, uv: vec2f) -> vec3f {
    let behind = getLinearScreenDepth(uv) - viewDepth(pW);
    if (uniform.camera_params.w > 0.5) {
        return pW - normalize(uniform.matrix_viewInverse[2].xyz) * behind;
    }
    let toPoint = pW - uniform.view_position;
    return pW + toPoint * (behind / max(viewDepth(pW), 1e-6));
}

// A point on a ray that goes along dIn up to tBox, then along dOut.
fn rayPoint(p: vec3f, dIn: vec3f, dOut: vec3f, tBox: f32, t: f32) -> vec3f {
    return select(p + dIn * tBox + dOut * (t - tBox), p + dIn * t, t <= tBox);
}

const REFRACT_STEPS_IN: i32 = 12;
const REFRACT_STEPS_OUT: i32 = 10;
const REFRACT_REFINE: i32 = 5;

// Marches the refracted ray (local origin p, direction dIn) against the scene depth grab: through
// the box (to tBox) in even steps, then beyond it in growing ones. A hit is where the ray goes from
// in front of the depth grab to behind it within one step, i.e. the grab's surface lies between
// the two samples; a sample behind an object that was already in front of the previous sample
// (a thin object between the camera and the ray, such as the tank's edges or a spout above the
// water) is not a hit: the march goes on behind it. Without a hit, the last sample the camera
// sees (not hidden by anything) is used.
fn traceRefraction(p: vec3f, dIn: vec3f, tBox: f32, uvFrag: vec2f, refW: vec3f, ior: f32) -> RefractionEnd {
    // Where the liquid touches the wall the ray meets at the box exit, it leaves the liquid there
    // (water to air through a thin wall): it bends, or, past the critical angle, it is totally
    // reflected back into the liquid, as at the walls of a real tank. Rays that enter through the
    // surface and meet a side wall almost all are (water, n < sqrt 2, lets through a 90 degree
    // prism only rays that graze the surface heading straight at the wall), so next to a wall the
    // water shows the tank's floor through the liquid, not the dry scene behind the wall: the
    // waterline on the wall is an edge, not a fade. Where air touches the wall, the ray goes on
    // straight; the bottom face stands on whatever is under the box, so nothing is reflected there.
    let pExit = p + dIn * tBox;
    let boxSize = uniform.liquid_dims * uniform.liquid_cellSize;
    let toWall = min(pExit, boxSize - pExit);
    var wallAxis = 0;
    if (toWall.y <= toWall.x && toWall.y <= toWall.z) {
        wallAxis = 1;
    } else if (toWall.z <= toWall.x && toWall.z <= toWall.y) {
        wallAxis = 2;
    }
    var nOut = vec3f(0.0);
    nOut[wallAxis] = select(-1.0, 1.0, pExit[wallAxis] > 0.5 * boxSize[wallAxis]);
    let dInW = normalize(toWorldVector(dIn));
    var dOutW = dInW;
    var mirrored = false;
    if (sampleLevelSet(pExit) < 0.0) {
        let nOutW = toWorldNormal(nOut);
        dOutW = refract(dInW, -nOutW, ior);
        if (dot(dOutW, dOutW) < 1e-6) {
            mirrored = nOut.y >= 0.0;
            dOutW = select(dInW, reflect(dInW, nOutW), mirrored);
        }
    }
    let dOut = normalize((uniform.liquid_modelInv * vec4f(dOutW, 0.0)).xyz) * length(dIn);
    var end: RefractionEnd;
    end.uv = uvFrag;
    end.lastSeenW = refW;
    end.t = -1.0;
    end.dOut = dOut;
    end.mirrored = mirrored;
    let stepIn = max(tBox, 1e-4) / f32(REFRACT_STEPS_IN);
    // reflected back into the box, the ray crosses it again in even steps to a little past its
    // second exit (what is under the box lies just below it); it comes back towards the camera,
    // so a surface it meets is in front of the previous sample, not behind it: there a hit is a
    // sample less than two steps behind the grab (anything further in front is an occluder)
    let stepBack = 1.1 * max(boxExit(pExit, dOut, boxSize), 1e-4) / f32(REFRACT_STEPS_OUT);
    let stepBackW = stepBack * length(toWorldVector(dOut));
    let clipRef = uniform.matrix_viewProjection * vec4f(refW, 1.0);
    let ndcRef = clipRef.xy / clipRef.w;
    let toUv = vec2f(0.5, -0.5) * uniform.viewport_size.xy * uniform.screen_size.zw;
    var tPrev = 0.0;
    var depthPrev = viewDepth(refW);
    var step = stepIn;
    var t = 0.0;
    for (var i = 0; i < REFRACT_STEPS_IN + REFRACT_STEPS_OUT; i++) {
        if (i >= REFRACT_STEPS_IN) {
            step = select(step * 1.5, stepBack, mirrored);
        }
        t += step;
        let pW = toWorldPoint(rayPoint(p, dIn, dOut, tBox, t));
        let clip = uniform.matrix_viewProjection * vec4f(pW, 1.0);
        if (clip.w <= 1e-4) {
            break;
        }
        let uvRaw = uvFrag + (clip.xy / clip.w - ndcRef) * toUv;
        if (any(uvRaw < vec2f(0.0)) || any(uvRaw > vec2f(1.0))) {
            break; // off screen: nothing known there
        }
        let depth = viewDepth(pW);
        let scene = getLinearScreenDepth(uvRaw);
        if (depth >= scene) {
            let between = scene >= depthPrev - 1e-3 * depthPrev;
            let metOnTheWayBack = mirrored && t > tBox && depth - scene <= 2.0 * stepBackW + 1e-3 * depth;
            if (between || metOnTheWayBack) {
                // the grab's surface is between the two samples: refine the crossing
                var a = tPrev;
                var b = t;
                var uvHit = uvRaw;
                for (var k = 0; k < REFRACT_REFINE; k++) {
                    let m = 0.5 * (a + b);
                    let pm = toWorldPoint(rayPoint(p, dIn, dOut, tBox, m));
                    let uvm = screenUvOf(pm, refW, uvFrag);
                    if (viewDepth(pm) >= getLinearScreenDepth(uvm)) {
                        b = m;
                        uvHit = uvm;
                    } else {
                        a = m;
                    }
                }
                end.uv = uvHit;
                end.t = b;
                return end;
            }
            // behind something that was already in front of the ray: it hides this part of the
            // ray from the camera but is not what the ray meets; go on behind it
        } else {
            end.uv = uvRaw;
            end.lastSeenW = pW;
        }
        tPrev = t;
        depthPrev = depth;
    }
    return end;
}
#endif

// ---------------------------------------------------------------------------------------------
// Shading
// ---------------------------------------------------------------------------------------------

struct Optics {
    refractionStrength: f32,
    reflectionStrength: f32,
    roughness: f32,
    ior: f32,
    extinction: vec3f,
    body: vec3f,
}

fn currentOptics() -> Optics {
    var o: Optics;
    o.refractionStrength = uniform.liquid_optics.x;
    o.reflectionStrength = uniform.liquid_optics.y;
    o.roughness = clamp(uniform.liquid_optics.z, 0.0, 1.0);
    o.ior = max(uniform.liquid_optics.w, 1.0001);
    o.extinction = max(uniform.liquid_absorption, vec3f(0.0));
    o.body = uniform.liquid_color * bodyLight();
    return o;
}

// Seen from the air: Fresnel reflection (screen-space where the scene has it, the environment
// elsewhere) plus the sun glint, and refraction of what the bent ray meets, absorbed along its
// path in the liquid with in-scattered body colour. Returns the display colour before gamma.
fn shadeFromAir(ray: Ray, hit: SurfaceHit, boxSize: vec3f, o: Optics, uvFrag: vec2f, sceneDepth: f32) -> vec3f {
    let pHit = ray.ro + ray.rd * hit.t;
    let worldHit = toWorldPoint(pHit);
    let rdW = normalize(toWorldVector(ray.rd));
    let nW = toWorldNormal(hit.normal);
    let v = -rdW;
    let cosV = clamp(dot(nW, v), 0.0, 1.0);
    let fresnel = clamp(schlick(cosV, o.ior) * o.reflectionStrength, 0.0, 1.0);
    let lod = o.roughness * 4.0;

    let reflW = reflect(rdW, nW);
    var reflected = environment(reflW, o.roughness);
    let specular = sunSpecular(nW, v, o.roughness) * schlick(cosV, o.ior) * o.reflectionStrength;

    // refracted direction (in world space, so a non-uniform scale of the box does not change
    // the angles), bent by the refraction strength, then back to the box frame
    var refrW = refract(rdW, nW, 1.0 / o.ior);
    if (dot(refrW, refrW) < 1e-6) {
        refrW = rdW;
    }
    let dIn = normalize((uniform.liquid_modelInv * vec4f(normalize(mix(rdW, refrW, o.refractionStrength)), 0.0)).xyz);
    let tBox = boxExit(pHit, dIn, boxSize);

    var ldr = vec3f(0.0);
    // world path of the refracted ray in the liquid past a total reflection at a wall
    var pathMirrored = 0.0;
#if defined(LIQUID_SCENE_COLOR) && defined(LIQUID_SCENE_DEPTH)
    // reflections of the scene where the screen has them, the environment elsewhere
    let ssr = screenSpaceReflection(worldHit, reflW, uvFrag, lod);
    reflected *= 1.0 - ssr.a;
    ldr += ssr.rgb * (ssr.a * fresnel);
    // the refracted ray against the scene depth: what it meets, and where
    let seen = traceRefraction(pHit, dIn, tBox, uvFrag, worldHit, o.ior);
    var tLimit = tBox;
    if (seen.t >= 0.0) {
        tLimit = min(tLimit, seen.t);
    }
    let uv = seen.uv;
    // the light on what the ray meets came down through the liquid above it (where it meets
    // nothing in view, on the scene point whose colour is used)
    var sceneSeen = rayPoint(pHit, dIn, seen.dOut, tBox, seen.t);
    if (seen.t < 0.0) {
        sceneSeen = (uniform.liquid_modelInv * vec4f(scenePointBehind(seen.lastSeenW, uv), 1.0)).xyz;
    }
    let lightThrough = lightTransmittanceAt(sceneSeen, o);
    // totally reflected at a wall: the ray goes on through the liquid, to what it meets or to
    // where it leaves the box
    if (seen.mirrored && !(seen.t >= 0.0 && seen.t <= tBox)) {
        let pExit = pHit + dIn * tBox;
        var tBack = boxExit(pExit, seen.dOut, boxSize);
        if (seen.t >= 0.0) {
            tBack = min(tBack, seen.t - tBox);
        }
        pathMirrored = pathInLiquid(pExit, seen.dOut, tBack, false) * length(toWorldVector(seen.dOut));
    }
#else
    var tLimit = tBox;
#ifdef LIQUID_SCENE_DEPTH
    // the opaque scene as a plane facing the camera at this pixel's scene depth
    let e1 = -(uniform.matrix_view * vec4f(toWorldVector(dIn), 0.0)).z;
    if (e1 > 1e-6) {
        tLimit = min(tLimit, max((sceneDepth - viewDepth(worldHit)) / e1, 0.0));
    }
#endif
#ifdef LIQUID_SCENE_COLOR
    let pEnd = pHit + dIn * tLimit;
    let uv = screenUvOf(toWorldPoint(pEnd), worldHit, uvFrag);
    var lightThrough = vec3f(1.0);
    if (tLimit < tBox || onBottomFace(pEnd)) {
        lightThrough = lightTransmittanceAt(pEnd, o);
    }
#endif
#endif
    let path = pathInLiquid(pHit, dIn, tLimit, true) * length(toWorldVector(dIn)) + pathMirrored;
    let transmittance = exp(-o.extinction * path);

    var hdr = reflected * fresnel + specular + o.body * (vec3f(1.0) - transmittance) * (1.0 - fresnel);
#ifdef LIQUID_SCENE_COLOR
    ldr += sceneColorAt(uv, lod) * lightThrough * transmittance * (1.0 - fresnel);
#else
    hdr += environment(normalize(toWorldVector(dIn)), o.roughness) * transmittance * (1.0 - fresnel);
#endif
    return toneMap(hdr) + ldr;
}

struct Shaded {
    color: vec3f,
    depthT: f32,
}

// Camera inside the liquid: absorption towards the surface (Snell's window, total internal
// reflection) or towards what is behind.
fn shadeUnderwater(ray: Ray, span: BoxSpan, boxSize: vec3f, o: Optics, uvFrag: vec2f) -> Shaded {
    let rdW = normalize(toWorldVector(ray.rd));
    let lod = o.roughness * 4.0;
    let exit = findSurfaceFromInside(ray, span);
    let transmittance = exp(-o.extinction * (exit.t - span.tStart) * length(toWorldVector(ray.rd)));
    var hdr = o.body * (vec3f(1.0) - transmittance);
    var ldr = vec3f(0.0);
    var result: Shaded;
    if (exit.found) {
        // looking up at the surface from below
        let pS = ray.ro + ray.rd * exit.t;
        let nW = toWorldNormal(levelSetNormal(pS, -ray.rd));
        let out = refract(rdW, -nW, o.ior);
        if (dot(out, out) < 1e-6) {
            // total internal reflection: a mirror of the liquid below the surface
#ifdef LIQUID_SCENE_COLOR
            let reflL = normalize((uniform.liquid_modelInv * vec4f(reflect(rdW, -nW), 0.0)).xyz);
            let tR = boxExit(pS, reflL, boxSize);
            let t2 = exp(-o.extinction * tR * length(toWorldVector(reflL)));
            let uvR = screenUvOf(toWorldPoint(pS + reflL * tR), toWorldPoint(pS), uvFrag);
            hdr += o.body * (vec3f(1.0) - t2) * transmittance;
            ldr = sceneColorAt(uvR, lod) * t2 * transmittance;
#else
            hdr += o.body * transmittance;
#endif
        } else {
            let f = schlick(clamp(dot(normalize(out), nW), 0.0, 1.0), o.ior);
            hdr += (environment(normalize(out), o.roughness) * (1.0 - f) + o.body * f) * transmittance;
        }
        result.depthT = exit.t;
    } else {
        // the ray leaves the liquid through a box face or reaches opaque geometry
#ifdef LIQUID_SCENE_COLOR
        let pEnd = ray.ro + ray.rd * span.tEnd;
        var lightThrough = vec3f(1.0);
        if (span.metScene || onBottomFace(pEnd)) {
            lightThrough = lightTransmittanceAt(pEnd, o);
        }
        ldr = sceneColorAt(uvFrag, lod) * lightThrough * transmittance;
#else
        hdr += environment(rdW, o.roughness) * transmittance;
#endif
        result.depthT = span.tEnd - 1e-4 * max(span.tEnd, 1.0);
    }
    result.color = toneMap(hdr) + ldr;
    return result;
}

#ifdef LIQUID_DEBUG
struct DebugOverlay {
    shown: bool,
    color: vec3f,
    t: f32,
}

// The slice is drawn over the liquid (it is what a debug view is for): the pressure slice where
// there is liquid plus the zero contour, the level-set slice everywhere.
fn debugOverlay(ray: Ray, span: BoxSpan, boxSize: vec3f) -> DebugOverlay {
    var o: DebugOverlay;
    o.shown = false;
    o.color = vec3f(0.0);
    o.t = 0.0;
    if (uniform.liquid_debug.x < 0.5) {
        return o;
    }
    let axis = i32(uniform.liquid_debug.y);
    let planePos = clamp(uniform.liquid_debug.z, 0.0, 1.0) * boxSize[axis];
    if (abs(ray.rd[axis]) > 1e-7) {
        let tP = (planePos - ray.ro[axis]) / ray.rd[axis];
        if (tP >= span.tStart && tP <= span.tEnd) {
            let pP = ray.ro + ray.rd * tP;
            let pressureMode = uniform.liquid_debug.x < 1.5;
            if (!pressureMode || sampleLevelSet(pP) < 0.25 * uniform.liquid_cellSize) {
                o.shown = true;
                o.color = debugSliceColor(pP);
                o.t = tP;
            }
        }
    }
    return o;
}
#endif

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

#ifdef LIQUID_FLOOR_SHADOW
// The liquid's shadow on the plane under the box (a quad at local y = 0 around its footprint),
// blended multiplicatively into what is drawn there: the light that reaches a floor point through
// the liquid (the same march as the light under the liquid), applied to the sun's share of the
// floor's light. Points with no liquid on the light's way are left alone.
const SUN_SHARE_OF_FLOOR_LIGHT: f32 = 0.75;

@fragment
fn fragmentMain(input: FragmentInput) -> FragmentOutput {
    var output: FragmentOutput;
    let through = lightTransmittanceAt(vec3f(vLocalPos.x, 0.0, vLocalPos.z), currentOptics());
    if (all(through >= vec3f(0.999))) {
        discard;
    }
    output.color = vec4f(gammaCorrectOutput(mix(vec3f(1.0), through, SUN_SHARE_OF_FLOOR_LIGHT)), 1.0);
    return output;
}
#else
@fragment
fn fragmentMain(input: FragmentInput) -> FragmentOutput {
    var output: FragmentOutput;
    let boxSize = uniform.liquid_dims * uniform.liquid_cellSize;
    let ray = viewRayLocal();
    let uvFrag = pcPosition.xy * uniform.screen_size.zw;
#ifdef LIQUID_SCENE_DEPTH
    let sceneDepth = getLinearScreenDepth(uvFrag);
#else
    let sceneDepth = 3.0e38;
#endif
    let span = clipToBox(ray, boxSize, sceneDepth);
    if (!(span.tEnd > span.tStart)) {
        discard;
    }

    let hit = findSurface(ray, span);
    let o = currentOptics();
    var color = vec3f(0.0);
    var depthT = hit.t;
    var visible = hit.kind != HIT_NONE;
    if (hit.kind == HIT_FROM_AIR) {
        color = shadeFromAir(ray, hit, boxSize, o, uvFrag, sceneDepth);
#ifdef LIQUID_FOAM
        color = applyFoam(color, ray.ro + ray.rd * hit.t, hit.normal);
#endif
    } else if (hit.kind == HIT_UNDERWATER) {
        let under = shadeUnderwater(ray, span, boxSize, o, uvFrag);
        color = under.color;
        depthT = under.depthT;
    }
    var outColor = gammaCorrectOutput(color);

#ifdef LIQUID_DEBUG
    let slice = debugOverlay(ray, span, boxSize);
    if (slice.shown) {
        outColor = slice.color;
        depthT = slice.t;
        visible = true;
    }
#endif

    if (!visible) {
        discard;
    }
    outColor = mix(outColor, uniform.liquid_tint.rgb, clamp(uniform.liquid_tint.a, 0.0, 1.0));
    output.color = vec4f(outColor, 1.0);
    output.fragDepth = clipDepth(toWorldPoint(ray.ro + ray.rd * depthT));
    return output;
}
#endif
