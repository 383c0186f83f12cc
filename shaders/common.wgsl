// Helpers shared by the elementwise templates.

// x^e with PyTorch semantics: negative bases work for integer exponents, 0^0 = 1, x^2 is exact.
fn pow_f(x: f32, e: f32) -> f32 {
  if (e == 2.0) { return x * x; }
  if (e == 0.0) { return 1.0; }
  if (e == 1.0) { return x; }
  if (e == 3.0) { return x * x * x; } // exact for small integers, as torch's pow(x, 3); pow() goes through exp2
  if (e == -1.0) { return 1.0 / x; }
  let m = pow(abs(x), e);
  if (x >= 0.0) { return select(m, 0.0, x == 0.0 && e > 0.0); }
  if (e != round(e)) { return nan_f(); } // as in IEEE pow
  let odd = (i32(abs(e)) % 2) == 1;
  return select(m, -m, odd);
}

// IEEE specials built at run time (WGSL rejects non-finite constant expressions).
fn nan_f() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

fn inf_f() -> f32 {
  var bits = 0x7f800000u;
  return bitcast<f32>(bits);
}

// sin and cos to ~1 ulp for |x| < ~1e4. WGSL only promises 2^-11 absolute error for the builtins, and
// SwiftShader's are that coarse (1.6e-4 at x = -1.3). Cody–Waite reduction by π/2 (the first constant has
// few bits, so j·C1 is exact), then minimax polynomials on [-π/4, π/4].
fn sincos_reduce(x: f32) -> vec2<f32> {
  let j = round(x * 0.63661977236758134);
  let r = ((x - j * 1.5703125) - j * 4.8375129699707031e-4) - j * 7.5497899548918821e-8;
  return vec2<f32>(r, j);
}

fn sin_poly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
}

fn cos_poly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
}

fn sin_f(x: f32) -> f32 {
  let rj = sincos_reduce(x);
  let q = i32(rj.y) & 3;
  let v = select(sin_poly(rj.x), cos_poly(rj.x), (q & 1) == 1);
  return select(v, -v, q >= 2);
}

fn cos_f(x: f32) -> f32 {
  let rj = sincos_reduce(x);
  let q = i32(rj.y) & 3;
  let v = select(cos_poly(rj.x), sin_poly(rj.x), (q & 1) == 1);
  return select(v, -v, q == 1 || q == 2);
}

// tanh that saturates cleanly (some drivers return NaN for large |x|).
fn tanh_f(x: f32) -> f32 {
  return tanh(clamp(x, -15.0, 15.0));
}

fn sigmoid_f(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

// erf to ~1e-7 (Abramowitz & Stegun 7.1.26; erfCpu in src/ops/elementwise.ts is the same form).
fn erf_f(x: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * abs(x));
  let y = 1.0 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * exp(-x * x);
  return select(-y, y, x >= 0.0);
}

// Flat invocation index of a 1-D dispatch folded into x and y (see groups1d in kernel.ts).
fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * 256u;
}

// Element d of a shape/stride list packed as array<vec4<u32>, 2>.
fn dim_at(v: array<vec4<u32>, 2>, d: u32) -> u32 {
  return v[d / 4u][d % 4u];
}

// Where flat (row-major) index i of a collapsed `shape` lands when read through two stride lists:
// (Σ c_d·sa_d, Σ c_d·sb_d). Broadcast operands have stride 0; pass one list twice when only one is needed.
fn strided_offsets(i: u32, rank: u32, shape: array<vec4<u32>, 2>, sa: array<vec4<u32>, 2>, sb: array<vec4<u32>, 2>) -> vec2<u32> {
  var rest = i;
  var off = vec2<u32>(0u, 0u);
  for (var d = rank; d > 0u; d--) {
    let size = dim_at(shape, d - 1u);
    let c = rest % size;
    rest = rest / size;
    off += c * vec2<u32>(dim_at(sa, d - 1u), dim_at(sb, d - 1u));
  }
  return off;
}
