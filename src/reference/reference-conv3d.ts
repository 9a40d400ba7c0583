import { type ConvLayer, type ConvNetPlan, convOutputExtent } from '../latent/wgsl/conv-net-plan';

/** A channels-first activation [C, z, y, x] with x fastest; `dims` is [x, y, z]. */
export interface Activation {
  data: Float32Array;
  channels: number;
  dims: [number, number, number];
}

/**
 * CPU reference of one convolution layer as the WGSL kernel computes it: optional nearest x2
 * upsampling of the input (source index floor(i / 2)), zero padding, stride, bias and
 * LeakyReLU. Accumulates in double precision.
 */
export function referenceConv3d(input: Activation, layer: ConvLayer): Activation {
  if (input.channels !== layer.cin) throw new Error(`conv expects ${layer.cin} channels, got ${input.channels}`);
  const [sx, sy, sz] = input.dims;
  const up = layer.upsampleInput ? 2 : 1;
  const [ix, iy, iz] = [sx * up, sy * up, sz * up];
  const [ox, oy, oz] = [convOutputExtent(layer, ix), convOutputExtent(layer, iy), convOutputExtent(layer, iz)];
  const k = layer.kernel;
  const out = new Float32Array(layer.cout * ox * oy * oz);
  const sVox = sx * sy * sz;
  for (let co = 0; co < layer.cout; co++) {
    for (let z = 0; z < oz; z++) {
      for (let y = 0; y < oy; y++) {
        for (let x = 0; x < ox; x++) {
          let acc = layer.bias[co];
          for (let ci = 0; ci < layer.cin; ci++) {
            for (let dz = 0; dz < k; dz++) {
              const pz = z * layer.stride - layer.pad + dz;
              if (pz < 0 || pz >= iz) continue;
              for (let dy = 0; dy < k; dy++) {
                const py = y * layer.stride - layer.pad + dy;
                if (py < 0 || py >= iy) continue;
                for (let dx = 0; dx < k; dx++) {
                  const px = x * layer.stride - layer.pad + dx;
                  if (px < 0 || px >= ix) continue;
                  const src = ci * sVox + (Math.floor(pz / up) * sy + Math.floor(py / up)) * sx + Math.floor(px / up);
                  acc += input.data[src] * layer.weights[(((co * layer.cin + ci) * k + dz) * k + dy) * k + dx];
                }
              }
            }
          }
          if (layer.leak !== null && acc < 0) acc *= layer.leak;
          out[((co * oz + z) * oy + y) * ox + x] = acc;
        }
      }
    }
  }
  return { data: out, channels: layer.cout, dims: [ox, oy, oz] };
}

/** CPU reference of a whole convolution chain (encoder or decoder). */
export function referenceConvNet(plan: ConvNetPlan, input: Activation): Activation {
  let a = input;
  for (const layer of plan.layers) a = referenceConv3d(a, layer);
  return a;
}
