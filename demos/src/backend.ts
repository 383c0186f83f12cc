// Starting webgrad on the main thread (the index and autograd pages): init() with the URL's choice of
// backend (`?backend=cpu` or `webgpu`), then the badge.
import { init, type InitResult } from 'webgrad';
import { requestedBackend, showBackend, showBackendError } from './badge';

export async function startWebgrad(): Promise<InitResult> {
  try {
    const r = await init({ backend: requestedBackend() });
    showBackend(r);
    return r;
  } catch (e) {
    showBackendError(e);
    throw e;
  }
}
