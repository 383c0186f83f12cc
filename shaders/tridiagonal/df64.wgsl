// Double-float arithmetic: a value is the unevaluated sum hi + lo of two f32 (vec2f(hi, lo), |lo| <= ulp(hi)/2),
// ~48 significant bits. Built on the error-free transformations two_sum and two_prod, whose error terms are
// exact only if every operation is evaluated as written. WGSL lets a compiler reassociate (§ "Reassociation
// and fusion"), and NVIDIA's Vulkan driver does: it folds two_sum's error term (a − (s − bb)) + (b − bb) to 0,
// leaving plain f32. So with GUARD each intermediate of two_sum and quick_two_sum goes through keep(), a
// product with df_one(), which the including shader defines to return 1.0 read from its uniform: a value the
// compiler cannot know, so it can neither cancel terms across the product nor regroup a sum through it, and
// x · 1 is exact. GUARD is off only on adapters checked to evaluate as written (SwiftShader), where the
// products cost ~1.5× in bisection. test/df64.test.ts checks the primitives on the device against float64.
//
// two_prod uses Dekker's splitting, not fma: WGSL's fma(a, b, c) may be evaluated as a*b + c with two
// roundings (HLSL's mad), which would silently make the error term 0. TWO_PROD_FMA switches to fma where the
// device has been checked to fuse it.

const TWO_PROD_FMA: bool = {{TWO_PROD_FMA}};
const GUARD: bool = {{GUARD}};

// x, opaque to the compiler's algebra when GUARD is on.
fn keep(x: f32) -> f32 {
  if (GUARD) { return x * df_one(); }
  return x;
}

// s + e = a + b exactly (Knuth's branch-free two-sum).
fn two_sum(a: f32, b: f32) -> vec2f {
  let s = keep(a + b);
  let bb = keep(s - a);
  let ea = keep(a - keep(s - bb));
  let eb = keep(b - bb);
  return vec2f(s, ea + eb);
}

// s + e = a + b exactly when |a| >= |b| (or a = 0).
fn quick_two_sum(a: f32, b: f32) -> vec2f {
  let s = keep(a + b);
  let e = b - keep(s - a);
  return vec2f(s, e);
}

// hi + lo = a with both halves on at most 12 significant bits, so products of halves are exact in f32. By
// masking the low 12 mantissa bits rather than Veltkamp's t − (t − a) with t = 4097·a: a compiler that
// contracts 4097·a − a into an fma (SwiftShader did, inside larger kernels) breaks Veltkamp's split
// silently; integer masking leaves it nothing to contract.
fn df_split(a: f32) -> vec2f {
  let hi = bitcast<f32>(bitcast<u32>(a) & 0xfffff000u);
  return vec2f(hi, a - hi);
}

// p + e = a * b exactly (barring underflow).
fn two_prod(a: f32, b: f32) -> vec2f {
  let p = a * b;
  if (TWO_PROD_FMA) {
    return vec2f(p, fma(a, b, -p));
  }
  let x = df_split(a);
  let y = df_split(b);
  let e = ((x.x * y.x - p) + x.x * y.y + x.y * y.x) + x.y * y.y;
  return vec2f(p, e);
}

fn df(a: f32) -> vec2f {
  return vec2f(a, 0.0);
}

// a + b with both halves' errors carried (accurate under cancellation).
fn df_add(a: vec2f, b: vec2f) -> vec2f {
  let s = two_sum(a.x, b.x);
  let t = two_sum(a.y, b.y);
  let u = quick_two_sum(s.x, s.y + t.x);
  return quick_two_sum(u.x, t.y + u.y);
}

fn df_neg(a: vec2f) -> vec2f {
  return vec2f(-a.x, -a.y);
}

fn df_sub(a: vec2f, b: vec2f) -> vec2f {
  return df_add(a, df_neg(b));
}

fn df_mul(a: vec2f, b: vec2f) -> vec2f {
  let p = two_prod(a.x, b.x);
  return quick_two_sum(p.x, p.y + (a.x * b.y + a.y * b.x));
}

fn df_mul_f(a: vec2f, b: f32) -> vec2f {
  let p = two_prod(a.x, b);
  return quick_two_sum(p.x, p.y + a.y * b);
}

// a / b: the f32 quotient, corrected once by the exact remainder a − q·b.
fn df_div(a: vec2f, b: vec2f) -> vec2f {
  let q1 = a.x / b.x;
  let r = df_sub(a, df_mul_f(b, q1));
  let q2 = r.x / b.x;
  return quick_two_sum(q1, q2);
}

// f32 nearest to the double-float value.
fn df_round(a: vec2f) -> f32 {
  return a.x + a.y;
}

fn df_sqrt(a: vec2f) -> vec2f {
  if (a.x <= 0.0) { return vec2f(0.0); }
  let s = sqrt(a.x);
  let r = df_sub(a, two_prod(s, s));
  return quick_two_sum(s, r.x / (2.0 * s));
}
