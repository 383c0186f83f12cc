// Helpers shared by the elementwise templates.

// x^e with PyTorch semantics: negative bases work for integer exponents, 0^0 = 1, x^2 is exact.
fn pow_f(x: f32, e: f32) -> f32 {
  if (e == 2.0) { return x * x; }
  if (e == 0.0) { return 1.0; }
  if (e == 1.0) { return x; }
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

// tanh that saturates cleanly (some drivers return NaN for large |x|).
fn tanh_f(x: f32) -> f32 {
  return tanh(clamp(x, -15.0, 15.0));
}

fn sigmoid_f(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

// Flat invocation index of a 1-D dispatch folded into x and y (see groups1d in kernel.ts).
fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * 256u;
}

// Element d of a shape/stride list packed as array<vec4<u32>, 2>.
fn dim_at(v: array<vec4<u32>, 2>, d: u32) -> u32 {
  return v[d / 4u][d % 4u];
}
