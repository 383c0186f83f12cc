// The backend badge every page shows: the WebGPU adapter (vendor, architecture) or "CPU fallback" with the
// reason init() gave. Type-only use of webgrad, so pages that run webgrad in a worker stay light.
import type { InitOptions, InitResult } from 'webgrad';

export type BackendChoice = NonNullable<InitOptions['backend']>;

/** The backend asked for in the page URL (`?backend=cpu|webgpu`), else 'auto'. */
export function requestedBackend(): BackendChoice {
  const b = new URLSearchParams(location.search).get('backend');
  return b === 'cpu' || b === 'webgpu' ? b : 'auto';
}

function badge(): HTMLElement {
  const el = document.querySelector<HTMLElement>('[data-testid="backend-badge"]');
  if (!el) throw new Error('page has no backend badge');
  return el;
}

/** The adapter string without the generic prefix: "WebGPU adapter (google, swiftshader)" → "google, swiftshader". */
function adapterWords(adapter: string): string {
  const m = /^WebGPU adapter \((.*)\)$/.exec(adapter);
  return m ? m[1] : adapter;
}

function switchLink(to: 'cpu' | 'auto'): HTMLAnchorElement {
  const a = document.createElement('a');
  const url = new URL(location.href);
  if (to === 'cpu') url.searchParams.set('backend', 'cpu');
  else url.searchParams.delete('backend');
  a.href = url.toString();
  a.textContent = to === 'cpu' ? 'run on CPU' : 'try WebGPU';
  return a;
}

/** Fills the page's badge from init()'s result (`where` names a worker when it ran there). */
export function showBackend(r: InitResult, where = ''): void {
  const el = badge();
  el.dataset.backend = r.backend;
  el.title = `${r.adapter}\n${r.reason}`;
  el.replaceChildren();
  const name = document.createElement('b');
  const detail = document.createElement('span');
  if (r.backend === 'webgpu') {
    name.textContent = 'WebGPU';
    detail.textContent = adapterWords(r.adapter) + where;
  } else {
    const requested = requestedBackend() === 'cpu';
    name.textContent = requested ? 'CPU' : 'CPU fallback';
    detail.textContent = (requested ? 'requested with ?backend=cpu' : r.reason.replace(/^CPU fallback:\s*/, '')) + where;
  }
  el.append(name, detail, switchLink(r.backend === 'webgpu' ? 'cpu' : 'auto'));
}

export function showBackendError(e: unknown): void {
  const el = badge();
  el.dataset.backend = 'error';
  el.textContent = `webgrad failed to start: ${(e as Error)?.message ?? String(e)}`;
}
