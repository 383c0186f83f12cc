// The `webgrad` command (bin/webgrad.js runs `main`). `webgrad hamiltonian` sweeps κ through
// H(κ) = −½ d²/dx² + ½x² + κ·e^{−x²/2}: E0, the gap and their first and second κ-derivatives through eigh,
// beside Hellmann–Feynman, second-order perturbation theory and central finite differences. Results go to
// stdout; progress and errors to stderr.
// Through the public entry, so every op module (and the Tensor methods each installs) is loaded.
import {
  dual,
  enterDualLevel,
  exitDualLevel,
  hamiltonian1d,
  hamiltonianSpectrum,
  hellmannFeynman,
  init,
  noGrad,
  perturbationTheory,
  profile,
  Tensor,
  tensor,
  gradsAndTangents,
  withBackend,
} from './index';
import type { HamiltonianSpectrum, InitResult } from './index';
import { getWebGPUBackend } from './diagnostics';
import { cpu64Backend } from './backend/cpu';
import { cpuData } from './ops/util';
import { solveKappaTridiagonal, tridiagonalEnergies } from './physics/hamiltonianTridiagonal';

export const USAGE = `Usage:
  webgrad hamiltonian [options]   E0(κ), the gap E1 − E0 and their κ-derivatives for
                                  H(κ) = −½ d²/dx² + ½x² + κ·e^{−x²/2} on x ∈ [−L/2, L/2]
  webgrad --help                  this message

Options of hamiltonian:
  --kappa K        one κ (repeatable) instead of the sweep 0, 0.5, 1, 2, 3, 5
  --kappas K,K,…   the κ values of the sweep
  --L L            box length (default 10)
  --nx N           grid points, endpoints included, N >= 2 (default 500)
  --backend B      auto | webgpu | cpu (default auto: WebGPU when an adapter exists; cpu is the float64 reference)
  --method M       tridiagonal | jacobi (default tridiagonal: the lowest 4 states by eighTridiagonal,
                   double-float on WebGPU; jacobi: dense eigh of the nx×nx matrix, all states)
  --no-compare     skip the dense Jacobi run at the first κ that the tridiagonal table is compared with
  --fd-step h      step of the central finite differences (default 0.001)
  --json           one JSON line per κ on stdout (no finite differences):
                   { kappa, L, nx, backend, adapter, method, E0, gap, dE0_dkappa, dgap_dkappa,
                     d2E0_dkappa2, d2gap_dkappa2, ms }
  --no-progress    no progress bar (it is drawn on stderr, and only when stderr is a terminal)
  --profile        after the table, the WebGPU kernels of the sweep: calls and device time per kernel

Exit codes: 0 success, 1 runtime error, 2 bad arguments.`;

const DEFAULT_KAPPAS = [0, 0.5, 1, 2, 3, 5];
const BACKENDS = ['auto', 'webgpu', 'cpu'] as const;
type BackendChoice = (typeof BACKENDS)[number];

export class UsageError extends Error {}

export interface HamiltonianArgs {
  kappas: number[];
  L: number;
  nx: number;
  backend: BackendChoice;
  fdStep: number;
  json: boolean;
  progress: boolean;
  method: 'tridiagonal' | 'jacobi';
  compare: boolean;
  profile: boolean;
}

export type Command = { command: 'help' } | { command: 'hamiltonian'; args: HamiltonianArgs };

function parseNumber(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`${flag} needs a finite number, got '${text}'`);
  return v;
}

/** Parses the command line (without `node` and the script): throws UsageError on anything it does not know. */
export function parseArgs(argv: readonly string[]): Command {
  if (argv.length === 0) throw new UsageError('missing command');
  if (argv.includes('--help') || argv.includes('-h')) return { command: 'help' };
  const [command, ...rest] = argv;
  if (command !== 'hamiltonian') throw new UsageError(`unknown command '${command}'`);
  const args: HamiltonianArgs = {
    kappas: [],
    L: 10,
    nx: 500,
    backend: 'auto',
    fdStep: 1e-3,
    json: false,
    progress: true,
    method: 'tridiagonal',
    compare: true,
    profile: false,
  };
  let sweep: number[] | null = null;
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i];
    if (!token.startsWith('--')) throw new UsageError(`unexpected argument '${token}'`);
    const eq = token.indexOf('=');
    const flag = eq < 0 ? token : token.slice(0, eq);
    const value = (): string => {
      if (eq >= 0) return token.slice(eq + 1);
      if (i + 1 >= rest.length) throw new UsageError(`${flag} needs a value`);
      return rest[++i];
    };
    const noValue = (): void => {
      if (eq >= 0) throw new UsageError(`${flag} takes no value`);
    };
    switch (flag) {
      case '--kappa':
        args.kappas.push(parseNumber(flag, value()));
        break;
      case '--kappas':
        sweep = value()
          .split(',')
          .map((s) => parseNumber(flag, s));
        break;
      case '--L':
        args.L = parseNumber(flag, value());
        if (args.L <= 0) throw new UsageError(`--L must be > 0, got ${args.L}`);
        break;
      case '--nx': {
        const text = value();
        args.nx = parseNumber(flag, text);
        if (!Number.isInteger(args.nx) || args.nx < 2) throw new UsageError(`--nx must be an integer >= 2, got '${text}'`);
        break;
      }
      case '--backend': {
        const b = value();
        if (!(BACKENDS as readonly string[]).includes(b)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${b}'`);
        args.backend = b as BackendChoice;
        break;
      }
      case '--fd-step':
        args.fdStep = parseNumber(flag, value());
        if (args.fdStep <= 0) throw new UsageError(`--fd-step must be > 0, got ${args.fdStep}`);
        break;
      case '--json':
        noValue();
        args.json = true;
        break;
      case '--method': {
        const m = value();
        if (m !== 'tridiagonal' && m !== 'jacobi') throw new UsageError(`--method must be tridiagonal or jacobi, got '${m}'`);
        args.method = m;
        break;
      }
      case '--no-compare':
        noValue();
        args.compare = false;
        break;
      case '--profile':
        noValue();
        args.profile = true;
        break;
      case '--no-progress':
        noValue();
        args.progress = false;
        break;
      default:
        throw new UsageError(`unknown option '${flag}'`);
    }
  }
  if (args.kappas.length === 0) args.kappas = sweep ?? DEFAULT_KAPPAS;
  else if (sweep) args.kappas.push(...sweep);
  return { command: 'hamiltonian', args };
}

// ---- the computation ---------------------------------------------------------------------------------

export interface KappaResult {
  kappa: number;
  E0: number;
  gap: number;
  dE0_dkappa: number;
  dgap_dkappa: number;
  d2E0_dkappa2: number;
  d2gap_dkappa2: number;
  ms: { build: number; eigh: number; backward: number; total: number };
}

const now = (): number => performance.now();
const round1 = (ms: number): number => Math.round(ms * 10) / 10;

/** Waits for queued GPU work (CPU ops finish when they return), so a phase's time is its real cost. */
async function settle(): Promise<void> {
  await getWebGPUBackend()?.sync();
}

function disposeSpectrum(s: HamiltonianSpectrum): void {
  for (const t of [s.H, s.x, s.potential, s.bump, s.energies, s.states, s.E0, s.gap, s.kappa]) t.dispose();
}

/**
 * E0, the gap and their first and second κ-derivatives from one eigh: κ is a dual number (tangent 1), and
 * backward runs twice through the same graph carrying that tangent, so each gradient's tangent is the
 * second derivative (forward over reverse).
 */
export async function solveKappa(kappaValue: number, L: number, nx: number): Promise<KappaResult & { spectrum: HamiltonianSpectrum }> {
  const level = enterDualLevel();
  try {
    const t0 = now();
    const kappa = tensor(kappaValue, { requiresGrad: true });
    const h = hamiltonian1d({ kappa: dual(kappa, tensor(1)), L, nx });
    await settle();
    const t1 = now();
    const s = hamiltonianSpectrum(h);
    const [E0, gap] = await Promise.all([s.E0.item(), s.gap.item()]);
    const t2 = now();
    const [[dE0, d2E0], [dgap, d2gap]] = await gradsAndTangents([s.E0, s.gap], kappa);
    const t3 = now();
    const ms = { build: round1(t1 - t0), eigh: round1(t2 - t1), backward: round1(t3 - t2), total: round1(t3 - t0) };
    return { kappa: kappaValue, E0, gap, dE0_dkappa: dE0, dgap_dkappa: dgap, d2E0_dkappa2: d2E0, d2gap_dkappa2: d2gap, ms, spectrum: s };
  } finally {
    exitDualLevel(level);
  }
}

/**
 * E0 and the gap at κ on the float64 CPU reference (as gradcheck does): float32 storage of H alone moves
 * E0 by ~1e-5 (its diagonal 1/Δx² + V ≈ 2490 keeps V to ±1.2e-4), which central differences would divide by 2h.
 */
function referenceEnergies(kappa: number, L: number, nx: number, method: HamiltonianArgs['method'] = 'jacobi'): [number, number] {
  return noGrad(() =>
    withBackend(cpu64Backend, () => {
      // κ ± h kept in float64 (tensor() would round it to float32, an error of ~1e-7 / 2h).
      const k = new Tensor(cpu64Backend.upload(Float64Array.of(kappa)), []);
      if (method === 'tridiagonal') return tridiagonalEnergies(k, L, nx);
      const s = hamiltonianSpectrum({ kappa: k, L, nx });
      const [E0, gap] = [cpuData(s.E0)[0], cpuData(s.gap)[0]];
      disposeSpectrum(s);
      return [E0, gap];
    }),
  );
}

/**
 * d²E0/dκ² and d²gap/dκ² by second-order perturbation theory from the float64 CPU reference's full dense
 * spectrum at κ (all nx states enter the sum), an independent check on the derivatives through the solver.
 */
function referencePerturbation(kappa: number, L: number, nx: number): [number, number] {
  return noGrad(() =>
    withBackend(cpu64Backend, () => {
      const k = new Tensor(cpu64Backend.upload(Float64Array.of(kappa)), []);
      const s = hamiltonianSpectrum({ kappa: k, L, nx });
      const pt = perturbationTheory(s);
      const out: [number, number] = [cpuData(pt.d2E0)[0], cpuData(pt.d2gap)[0]];
      [pt.d2E0, pt.d2gap].forEach((t) => t.dispose());
      disposeSpectrum(s);
      return out;
    }),
  );
}

/** The dense float64 reference's size limit for the perturbation-theory columns (an O(nx³) eigh per κ). */
const PERTURBATION_MAX_NX = 2000;

// ---- output ------------------------------------------------------------------------------------------

interface Stream {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** A one-line progress bar redrawn in place on a terminal; silent otherwise. */
class Progress {
  private done = 0;
  constructor(
    private readonly out: Stream,
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}

  step(label: string): void {
    if (!this.enabled) return;
    const width = 24;
    const filled = Math.round((this.done / this.total) * width);
    this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${label}\x1b[K`);
    this.done++;
  }

  clear(): void {
    if (this.enabled) this.out.write('\r\x1b[K');
  }
}

const num = (v: number, width: number, digits = 6): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v)).padStart(width);

interface Row extends KappaResult {
  hfE0: number;
  hfGap: number;
  ptE0: number;
  ptGap: number;
  fdE0: number;
  fdGap: number;
  fdMs: number;
}

function table(rows: readonly Row[]): string {
  const groups = [
    ['', 3],
    ['── dE0/dκ ──', 3],
    ['── dgap/dκ ──', 3],
    ['── d²E0/dκ² ──', 2],
    ['── d²gap/dκ² ──', 2],
    ['', 1],
  ] as const;
  const cols = ['κ', 'E0', 'gap', 'backward', 'H–F', 'fin. diff', 'backward', 'H–F', 'fin. diff', 'fwd∘rev', 'pert.', 'fwd∘rev', 'pert.', 'ms'];
  const w = [6, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 8];
  let at = 0;
  const head = groups.map(([label, span]) => {
    const width = w.slice(at, at + span).reduce((a, b) => a + b, 0) + span - 1;
    at += span;
    return label.padStart(Math.floor((width + label.length) / 2)).padEnd(width);
  });
  const out = [head.join(' ').trimEnd(), cols.map((c, i) => c.padStart(w[i])).join(' ')];
  for (const r of rows) {
    const cells = [
      r.kappa,
      r.E0,
      r.gap,
      r.dE0_dkappa,
      r.hfE0,
      r.fdE0,
      r.dgap_dkappa,
      r.hfGap,
      r.fdGap,
      r.d2E0_dkappa2,
      r.ptE0,
      r.d2gap_dkappa2,
      r.ptGap,
    ];
    out.push([...cells.map((v, i) => num(v, w[i], i === 0 ? 2 : 6)), num(r.ms.total, w[13], 1)].join(' '));
  }
  return out.join('\n');
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

const SOLVERS = {
  tridiagonal: 'tridiagonal — eighTridiagonal, lowest 4 states (Sturm bisection + inverse iteration; double-float on WebGPU, float64 on the CPU)',
  jacobi: 'jacobi — dense eigh of the nx×nx matrix (parallel Jacobi on WebGPU, Householder + QL on the CPU), all states',
};

/** One κ by either route, with Hellmann–Feynman values. */
async function solveOne(
  kappa: number,
  L: number,
  nx: number,
  method: HamiltonianArgs['method'],
): Promise<KappaResult & { hfE0: number; hfGap: number }> {
  if (method === 'tridiagonal') return solveKappaTridiagonal(kappa, L, nx);
  const r = await solveKappa(kappa, L, nx);
  const hf = hellmannFeynman(r.spectrum);
  const [hfE0, hfGap] = await Promise.all([hf.dE0.item(), hf.dgap.item()]);
  [hf.dE0, hf.dgap].forEach((t) => t.dispose());
  disposeSpectrum(r.spectrum);
  const { spectrum: _, ...result } = r;
  return { ...result, hfE0, hfGap };
}

async function runHamiltonian(args: HamiltonianArgs, stdout: Stream, stderr: Stream): Promise<number> {
  let backend: InitResult;
  try {
    // The CPU path is the float64 reference: float32 storage of H's ~2490 diagonal limits E0 to ~1e-5.
    backend = await init({ backend: args.backend, precision: 'float64' });
  } catch (e) {
    stderr.write(`webgrad: ${(e as Error).message}\n`);
    return 1;
  }
  const { L, nx, fdStep: h } = args;
  const progress = new Progress(stderr, args.kappas.length * (args.json ? 1 : 2), args.progress && !!stderr.isTTY);

  if (args.json) {
    for (const kappa of args.kappas) {
      progress.step(`κ = ${kappa}`);
      const result = await solveOne(kappa, L, nx, args.method);
      progress.clear();
      stdout.write(
        `${JSON.stringify({
          kappa,
          L,
          nx,
          backend: backend.backend,
          adapter: backend.adapter,
          method: args.method,
          E0: result.E0,
          gap: result.gap,
          dE0_dkappa: result.dE0_dkappa,
          dgap_dkappa: result.dgap_dkappa,
          d2E0_dkappa2: result.d2E0_dkappa2,
          d2gap_dkappa2: result.d2gap_dkappa2,
          ms: result.ms,
        })}\n`,
      );
    }
    return 0;
  }

  stdout.write(`webgrad hamiltonian: H(κ) = −½ d²/dx² + ½x² + κ·e^{−x²/2}, L = ${L}, nx = ${nx} (Δx = ${(L / (nx - 1)).toPrecision(6)})\n`);
  stdout.write(
    `backend: ${backend.backend} — ${backend.adapter}${backend.backend === 'cpu' && args.backend === 'auto' ? ` (${backend.reason})` : ''}\n`,
  );
  stdout.write(`solver: ${SOLVERS[args.method]}\n\n`);
  const rows: Row[] = [];
  const sweep = async (): Promise<void> => {
    for (const kappa of args.kappas) {
      progress.step(`κ = ${kappa}: solve + backward`);
      const result = await solveOne(kappa, L, nx, args.method);
      progress.step(`κ = ${kappa}: finite differences`);
      const tf = now();
      const [plus, minus] = [referenceEnergies(kappa + h, L, nx, args.method), referenceEnergies(kappa - h, L, nx, args.method)];
      const fdMs = now() - tf;
      const [ptE0, ptGap] = nx <= PERTURBATION_MAX_NX ? referencePerturbation(kappa, L, nx) : [NaN, NaN];
      rows.push({ ...result, ptE0, ptGap, fdE0: (plus[0] - minus[0]) / (2 * h), fdGap: (plus[1] - minus[1]) / (2 * h), fdMs });
    }
  };
  const profiled = args.profile && backend.backend === 'webgpu' ? await profile(sweep) : null;
  if (!profiled) await sweep();
  progress.clear();
  const solver = args.method === 'tridiagonal' ? 'eighTridiagonal' : 'eigh';
  stdout.write(`${table(rows)}\n\n`);
  stdout.write(`backward: reverse mode through ${solver}; H–F: Hellmann–Feynman ⟨ψ|e^{−x²/2}|ψ⟩ from the eigenvectors; `);
  stdout.write(`fin. diff: central differences with h = ${h} of the same H in float64 on the CPU reference (two more solves per κ);\n`);
  stdout.write(`d²/dκ² fwd∘rev: forward over reverse through ${solver} (κ a dual number: the two backward passes carry its tangent); `);
  stdout.write(
    `pert.: second-order perturbation theory 2·Σ_{m≠n} |⟨m|e^{−x²/2}|n⟩|²/(E_n − E_m) over all states of the float64 reference` +
      `${nx > PERTURBATION_MAX_NX ? ` (skipped above nx = ${PERTURBATION_MAX_NX})` : ''}\n`,
  );
  const ms = (k: keyof KappaResult['ms']): string => mean(rows.map((r) => r.ms[k])).toFixed(1);
  stdout.write(
    `timings, ms per κ (mean of ${rows.length}): build H ${ms('build')}, eigh ${ms('eigh')}, backward ×2 with tangents ${ms('backward')}, `,
  );
  stdout.write(`total ${ms('total')}; finite differences ${mean(rows.map((r) => r.fdMs)).toFixed(1)}`);
  const compile =
    backend.backend === 'webgpu' && rows.length > 1 ? `; the first κ took ${rows[0].ms.total.toFixed(1)} (kernel compilation included)` : '';
  stdout.write(`${compile}\n`);
  if (args.method === 'tridiagonal' && args.compare && nx <= 1000) {
    const kappa = args.kappas[0];
    const dense = await solveOne(kappa, L, nx, 'jacobi');
    const first = rows[0].ms.total;
    stdout.write(
      `dense Jacobi (--method jacobi) at κ = ${kappa}: E0 ${dense.E0.toFixed(7)}, gap ${dense.gap.toFixed(7)}, ` +
        `dE0/dκ ${dense.dE0_dkappa.toFixed(7)}, `,
    );
    stdout.write(
      `dgap/dκ ${dense.dgap_dkappa.toFixed(7)}, d²E0/dκ² ${dense.d2E0_dkappa2.toFixed(7)}; ` +
        `${dense.ms.total.toFixed(1)} ms with its kernel compilation, `,
    );
    stdout.write(`${(dense.ms.total / first).toFixed(0)}× the tridiagonal route's first κ (${first.toFixed(1)} ms, compilation included)\n`);
  }
  if (profiled)
    stdout.write(`\nWebGPU kernels of the sweep (--profile; timed ones run one pass each, so the timings above are slower):\n${profiled.table()}\n`);
  else if (args.profile) stdout.write('\n--profile: no WebGPU kernels to profile on the CPU backend\n');
  return 0;
}

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], stdout: Stream = process.stdout, stderr: Stream = process.stderr): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    stderr.write(`webgrad: ${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (cmd.command === 'help') {
    stdout.write(`webgrad — GPU tensor autograd on WebGPU\n\n${USAGE}\n`);
    return 0;
  }
  try {
    return await runHamiltonian(cmd.args, stdout, stderr);
  } catch (e) {
    stderr.write(`webgrad: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
