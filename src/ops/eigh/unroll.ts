// Straight-line WGSL for the blocked Jacobi kernels (shaders/eigh/solve.wgsl, shaders/eigh/block.wgsl).
// A pair block has B = 2·G indices (two groups of G); its B×B matrices live in named scalars (a_3_1,
// d_0_7, ...) rather than arrays: WGSL cannot unroll loops, and on CPU drivers a runtime-indexed array
// is a per-lane gather through memory while a named scalar is a register (or a cheap spill slot).
//
// D = Q − I is kept instead of Q: near-identity Q's entries round to 1 in float32 (losing 1 − s²/2,
// which is exactly what keeps the transform orthogonal), while D's entries carry their own exponent.
// Applying Q then reads x + (Σ d·x), Rutishauser's form for a block: the small correction is summed on
// its own and rounded into x once (summing it into x term by term left V 10× less orthogonal).

/** Indices per group. */
export const G = 4;
/** Indices per pair block. */
export const B = 2 * G;

const range = (n: number): number[] => [...Array(n).keys()];
const PAIRS: [number, number][] = range(B).flatMap((p) =>
  range(B)
    .filter((q) => q > p)
    .map((q): [number, number] => [p, q]),
);

/** Global index of local index i of a pair block whose groups start at `g.x` and `g.y` (ascending). */
const index = (g: string, i: number): string => `(${g}.${i < G ? 'x' : 'y'} + ${i % G}u)`;
/** The symmetric block's entry (i, j), stored in its lower triangle. */
const sym = (i: number, j: number): string => (i >= j ? `a_${i}_${j}` : `a_${j}_${i}`);
/** Q = I + D entry (r, c) as an expression. */
const q = (r: number, c: number): string => (r === c ? `(1.0 + d_${r}_${c})` : `d_${r}_${c}`);
/** `base` + Σ terms, the sum parenthesised so it is rounded into `base` once. */
const plus = (base: string, terms: string[]): string => `${base} + (${terms.join(' + ')})`;

/** Rotates the pair (x, y) of expressions/variables in place by rotation `r` (Rutishauser's form). */
const turn = (x: string, y: string, r: string, xs = x, ys = y): string =>
  `{ let x = ${xs}; let y = ${ys}; ${x} -= ${r}.s * (y + ${r}.tau * x); ${y} += ${r}.s * (x - ${r}.tau * y); }`;

/**
 * V's rows `rows` × columns `cols` (B × B) times the column pair's Q = I + D (D in scalars `${d}_k_j`):
 * each row w ← w + w·D.
 */
function vRows(rows: string, cols: string, d: string): string {
  return range(B)
    .map((i) => {
      const load = range(B).map((k) => `let w_${k} = v[row + ${index(cols, k)}];`);
      const store = range(B).map(
        (j) =>
          `v[row + ${index(cols, j)}] = ${plus(
            `w_${j}`,
            range(B).map((k) => `w_${k} * ${d}_${k}_${j}`),
          )};`,
      );
      return [`{`, `let row = ${index(rows, i)} * M;`, ...load, ...store, `}`].join('\n');
    })
    .join('\n');
}

/**
 * eigh.solve: one cyclic Jacobi sweep over pair block `pp` of A in registers; writes A, D, V's block and
 * the weights of the block's group pairs.
 */
export function solveBody(): Record<string, string> {
  const lower = range(B).flatMap((i) => range(i + 1).map((j) => [i, j]));
  const load = lower.map(([i, j]) => `var a_${i}_${j} = a[${index('pp', i)} * M + ${index('pp', j)}];`);
  const dvars = range(B).flatMap((r) => range(B).map((c) => `var d_${r}_${c} = 0.0;`));
  const sweep = PAIRS.map(([p, qq]) => {
    const others = range(B).filter((k) => k !== p && k !== qq);
    return [
      `if (!negligible(a_${p}_${p}, a_${qq}_${qq}, a_${qq}_${p})) {`,
      `let r = rotation(a_${p}_${p}, a_${qq}_${qq}, a_${qq}_${p});`,
      `a_${p}_${p} -= r.t * a_${qq}_${p};`,
      `a_${qq}_${qq} += r.t * a_${qq}_${p};`,
      `a_${qq}_${p} = 0.0;`,
      ...others.map((k) => turn(sym(k, p), sym(k, qq), 'r')),
      ...range(B).map((k) => turn(`d_${k}_${p}`, `d_${k}_${qq}`, 'r', q(k, p), q(k, qq))),
      `moved = true;`,
      `}`,
    ].join('\n');
  });
  // Weights (r, s) of the block's three group pairs after the sweep (x with y, x with x, y with y).
  const scales = range(B).map((i) => `let s_${i} = inv_sqrt_abs(a_${i}_${i});`);
  const most = (cells: number[][]): string => cells.map(([i, j]) => `abs(a_${i}_${j}) * s_${i} * s_${j}`).reduce((x, y) => `max(${x}, ${y})`);
  const squares = (cells: number[][]): string => cells.map(([i, j]) => `a_${i}_${j} * a_${i}_${j}`).join(' + ');
  const weight = (cells: number[][]): string => `vec2<f32>(${most(cells)}, ${squares(cells)})`;
  const within = (g: number): number[][] => lower.filter(([i, j]) => i > j && Math.floor(i / G) === g && Math.floor(j / G) === g);
  const across = lower.filter(([i, j]) => i >= G && j < G);
  const weights = [
    ...scales,
    `let gx = pp.x / G;`,
    `let gy = pp.y / G;`,
    `let w_xy = ${weight(across)};`,
    `w[gx * K + gy] = w_xy;`,
    `w[gy * K + gx] = w_xy;`,
    `w[gx * K + gx] = ${weight(within(0))};`,
    `w[gy * K + gy] = ${weight(within(1))};`,
  ];
  return {
    LOAD: load.join('\n'),
    DVARS: dvars.join('\n'),
    SWEEP: sweep.join('\n'),
    WEIGHTS: weights.join('\n'),
    STORE: lower.map(([i, j]) => `a[${index('pp', i)} * M + ${index('pp', j)}] = a_${i}_${j};`).join('\n'),
    STORE_D: range(B)
      .flatMap((r) => range(B).map((c) => `dq[base + ${r * B + c}u] = d_${r}_${c};`))
      .join('\n'),
    V_DIAG: vRows('pp', 'pp', 'd'),
  };
}

/** eigh.block: the off-diagonal pair block (P, R), R < P, of A from both sides and V's two blocks. */
export function blockBody(): Record<string, string> {
  const loadD = (name: string, base: string): string =>
    range(B)
      .flatMap((k) => range(B).map((j) => `let ${name}_${k}_${j} = dq[${base} + ${k * B + j}u];`))
      .join('\n');
  // Group (s, u) sub-blocks: each lies wholly above or below the diagonal, so one select per sub-block.
  const orient = range(2).flatMap((s) =>
    range(2).flatMap((u) => {
      const ps = `pp.${s ? 'y' : 'x'}`;
      const ru = `rp.${u ? 'y' : 'x'}`;
      return [
        `let lo_${s}${u} = ${ps} > ${ru};`,
        `let base_${s}${u} = select(${ru} * M + ${ps}, ${ps} * M + ${ru}, lo_${s}${u});`,
        `let rs_${s}${u} = select(1u, M, lo_${s}${u});`,
        `let cs_${s}${u} = select(M, 1u, lo_${s}${u});`,
      ];
    }),
  );
  const addr = (i: number, j: number): string => {
    const su = `${Math.floor(i / G)}${Math.floor(j / G)}`;
    return `base_${su} + ${i % G}u * rs_${su} + ${j % G}u * cs_${su}`;
  };
  // T = X·Qr = X + X·Dr row by row (each row of X dies as its row of T is made), then Qpᵀ·T = T + Dpᵀ·T
  // column by column, each new entry stored and folded into its group sub-block's weights (r, s). Fewer
  // values are live at once than in Y = Qpᵀ·X first (X, Y and both D's).
  const right = range(B).flatMap((i) => [
    ...range(B).map((j) => `let x_${i}_${j} = a[${addr(i, j)}];`),
    ...range(B).map(
      (j) =>
        `let t_${i}_${j} = ${plus(
          `x_${i}_${j}`,
          range(B).map((k) => `x_${i}_${k} * dr_${k}_${j}`),
        )};`,
    ),
  ]);
  const left = [
    ...range(2).flatMap((s) => range(2).flatMap((u) => [`var m_${s}${u} = 0.0;`, `var f_${s}${u} = 0.0;`])),
    ...range(B).flatMap((j) =>
      range(B).map((i) => {
        const su = `${Math.floor(i / G)}${Math.floor(j / G)}`;
        const z = plus(
          `t_${i}_${j}`,
          range(B).map((k) => `dp_${k}_${i} * t_${k}_${j}`),
        );
        return `{ let z = ${z}; a[${addr(i, j)}] = z; m_${su} = max(m_${su}, abs(z) * (sp_${i} * sr_${j})); f_${su} += z * z; }`;
      }),
    ),
  ];
  const weights = range(2).flatMap((s) =>
    range(2).flatMap((u) => {
      const [gs, gu] = [`pp.${s ? 'y' : 'x'} / G`, `rp.${u ? 'y' : 'x'} / G`];
      const weight = `vec2<f32>(m_${s}${u}, f_${s}${u})`;
      return [`w[(${gs}) * K + ${gu}] = ${weight};`, `w[(${gu}) * K + ${gs}] = ${weight};`];
    }),
  );
  const scales = (name: string, g: string): string =>
    range(B)
      .map((i) => `let ${name}_${i} = inv_sqrt_abs(a[${index(g, i)} * (M + 1u)]);`)
      .join('\n');
  return {
    LOAD_DP: loadD('dp', 'pbase'),
    LOAD_DR: loadD('dr', 'rbase'),
    ORIENT: orient.join('\n'),
    A_BLOCK: [...right, ...left, ...weights].join('\n'),
    SCALE_P: scales('sp', 'pp'),
    SCALE_R: scales('sr', 'rp'),
    V_PR: vRows('pp', 'rp', 'dr'),
    V_RP: vRows('rp', 'pp', 'dp'),
  };
}
