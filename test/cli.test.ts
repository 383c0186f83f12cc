// The `webgrad` command as users run it: `node bin/webgrad.js …` on the built dist/ (globalSetup builds it).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli';
import { webgpuInfo } from './setup/backends';

function webgrad(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/webgrad.js', ...args], { encoding: 'utf8', timeout: 110_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('webgrad hamiltonian', () => {
  it('--json --backend cpu --kappa 1 --nx 500 prints one JSON line with the reference values', () => {
    const r = webgrad('hamiltonian', '--json', '--backend', 'cpu', '--kappa', '1', '--nx', '500');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]);
    expect(Object.keys(out)).toEqual([
      'kappa',
      'L',
      'nx',
      'backend',
      'adapter',
      'method',
      'E0',
      'gap',
      'dE0_dkappa',
      'dgap_dkappa',
      'd2E0_dkappa2',
      'd2gap_dkappa2',
      'ms',
    ]);
    expect(out).toMatchObject({ kappa: 1, L: 10, nx: 500, backend: 'cpu', method: 'tridiagonal' });
    expect(out.adapter).toMatch(/CPU/);
    // Float64 reference values (issue 4); relative error where the value exceeds 1.
    const want = { E0: 1.2933102842, gap: 0.7228945139, dE0_dkappa: 0.7655881821, dgap_dkappa: -0.2788359043 };
    for (const [k, v] of Object.entries(want)) {
      expect(Math.abs(out[k] - v) / Math.max(1, Math.abs(v)), k).toBeLessThanOrEqual(1e-5);
    }
    // Float64 second derivatives (double backward through torch.linalg.eigh, issue 14): within 1e-6.
    expect(Math.abs(out.d2E0_dkappa2 - -0.0661884557)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(out.d2gap_dkappa2 - 0.0045403762)).toBeLessThanOrEqual(1e-6);
    const { build, eigh, backward, total } = out.ms;
    for (const t of [build, eigh, backward, total]) expect(t).toBeGreaterThanOrEqual(0);
    expect(total).toBeGreaterThanOrEqual(build + eigh + backward - 0.2); // each rounded to 0.1 ms
  });

  it('prints the backend, the adapter and a κ table whose derivative columns agree', () => {
    const r = webgrad('hamiltonian', '--backend', 'cpu', '--nx', '64', '--L', '8', '--kappas', '0,2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^backend: cpu — CPU/m);
    expect(r.stdout).toMatch(/nx = 64/);
    const rows = r.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number))
      .filter((cells) => cells.length === 14 && cells.every(Number.isFinite));
    expect(rows.map((row) => row[0])).toEqual([0, 2]);
    for (const [, E0, gap, dE0, hfE0, fdE0, dgap, hfGap, fdGap, d2E0, ptE0, d2gap, ptGap] of rows) {
      expect(Math.abs(d2E0 - ptE0)).toBeLessThanOrEqual(2e-6);
      expect(Math.abs(d2gap - ptGap)).toBeLessThanOrEqual(2e-6);
      expect(d2E0).toBeLessThan(0); // the ground state's curvature in κ is negative (second-order PT)
      expect(E0).toBeGreaterThan(0.4);
      expect(gap).toBeGreaterThan(0);
      expect(Math.abs(dE0 - hfE0)).toBeLessThanOrEqual(2e-6);
      expect(Math.abs(dE0 - fdE0)).toBeLessThanOrEqual(3e-6);
      expect(Math.abs(dgap - hfGap)).toBeLessThanOrEqual(2e-6);
      expect(Math.abs(dgap - fdGap)).toBeLessThanOrEqual(3e-6);
    }
    expect(r.stdout).toMatch(/timings, ms per κ/);
    expect(r.stdout).toMatch(/^solver: tridiagonal — eighTridiagonal/m);
    expect(r.stdout).toMatch(/^dense Jacobi \(--method jacobi\) at κ = 0: E0 0\.\d+/m);
  });

  it('--method jacobi keeps the dense route; --kappas sweeps of any length agree between the two solvers', () => {
    const kappas = Array.from({ length: 12 }, (_, i) => (i - 3) / 2);
    const run = (method: string) =>
      webgrad('hamiltonian', '--json', '--backend', 'cpu', '--nx', '64', '--method', method, '--kappas', kappas.join(','))
        .stdout.trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const [tri, dense] = [run('tridiagonal'), run('jacobi')];
    expect(tri.map((o) => o.kappa)).toEqual(kappas);
    expect(dense.every((o) => o.method === 'jacobi')).toBe(true);
    tri.forEach((o, i) => {
      for (const k of ['E0', 'gap', 'dE0_dkappa', 'dgap_dkappa']) expect(Math.abs(o[k] - dense[i][k]), `${k} at κ = ${o.kappa}`).toBeLessThan(1e-6);
    });
  });

  const usageErrors: [string[], RegExp][] = [
    [['hamiltonian', '--nx', '1'], /--nx must be an integer >= 2/],
    [['hamiltonian', '--nx', '12.5'], /--nx must be an integer >= 2/],
    [['hamiltonian', '--kappa', 'abc'], /--kappa needs a finite number, got 'abc'/],
    [['hamiltonian', '--kappa'], /--kappa needs a value/],
    [['hamiltonian', '--backend', 'metal'], /--backend must be one of auto, webgpu, cpu/],
    [['hamiltonian', '--frobnicate'], /unknown option '--frobnicate'/],
    [['hamiltonian', '--json=yes'], /--json takes no value/],
    [['hamiltonian', '--method', 'qr'], /--method must be tridiagonal or jacobi, got 'qr'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [[], /missing command/],
  ];
  for (const [args, message] of usageErrors) {
    it(`exits 2 with a usage message: webgrad ${args.join(' ')}`, () => {
      const r = webgrad(...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/Usage:/);
    });
  }

  it.skipIf(!webgpuInfo.available)('--profile prints the WebGPU kernels of the sweep after the table', () => {
    const r = webgrad('hamiltonian', '--backend', 'webgpu', '--nx', '64', '--kappa', '1', '--method', 'jacobi', '--profile', '--no-progress');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/WebGPU kernels of the sweep/);
    expect(r.stdout).toMatch(/^kernel\s+calls\s+device ms\s+share\s+µs \/ call$/m);
    expect(r.stdout).toMatch(/^eigh:solve\s+\d+\s/m);
    expect(r.stdout).toMatch(/\d+ dispatches in \d+ submits; wall/);
  });

  it('--help prints the usage on stdout and exits 0', () => {
    const r = webgrad('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/webgrad hamiltonian \[options\]/);
    expect(r.stdout).toMatch(/--backend B/);
    expect(r.stderr).toBe('');
  });
});

describe('parseArgs', () => {
  it('reads flags with separate or = values, negative numbers, and the default sweep', () => {
    expect(parseArgs(['hamiltonian'])).toEqual({
      command: 'hamiltonian',
      args: {
        kappas: [0, 0.5, 1, 2, 3, 5],
        L: 10,
        nx: 500,
        backend: 'auto',
        fdStep: 1e-3,
        json: false,
        progress: true,
        method: 'tridiagonal',
        compare: true,
        profile: false,
      },
    });
    const c = parseArgs(['hamiltonian', '--kappa', '-1.5', '--kappa=2', '--L=12', '--nx', '64', '--backend=webgpu', '--json', '--no-progress']);
    expect(c).toEqual({
      command: 'hamiltonian',
      args: {
        kappas: [-1.5, 2],
        L: 12,
        nx: 64,
        backend: 'webgpu',
        fdStep: 1e-3,
        json: true,
        progress: false,
        method: 'tridiagonal',
        compare: true,
        profile: false,
      },
    });
    expect(parseArgs(['hamiltonian', '--kappas', '0,0.25,4'])).toMatchObject({ args: { kappas: [0, 0.25, 4] } });
    expect(parseArgs(['hamiltonian', '-h'])).toEqual({ command: 'help' });
    expect(parseArgs(['hamiltonian', '--method', 'jacobi', '--no-compare'])).toMatchObject({ args: { method: 'jacobi', compare: false } });
  });
});
