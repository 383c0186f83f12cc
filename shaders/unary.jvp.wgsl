// Elementwise unary forward with its tangent in one pass: y = f(x), ẏ = ẋ · f'(x). {{EXPR}} and {{GRAD}}
// are the op table's forward and g·f' expressions (the same column backward uses, with g = ẋ).

struct Params { n: u32, p0: f32, p1: f32, _pad: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> ts: array<f32>;
@group(0) @binding(3) var<storage, read_write> ys: array<f32>;
@group(0) @binding(4) var<storage, read_write> dys: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let x = xs[i];
  let p0 = params.p0;
  let p1 = params.p1;
  let y = {{EXPR}};
  let g = ts[i];
  ys[i] = y;
  dys[i] = {{GRAD}};
}
