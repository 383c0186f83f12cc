// Registers tfjs-core's gradients in Node. Its ESM dist imports relative paths without '.js', which Node's
// ESM resolver refuses, so a resolve hook retries them with the extension. The gradients land in tfjs's
// global registry, which the CommonJS build that `import('@tensorflow/tfjs-core')` loads also reads.
import { register } from 'node:module';

const hook = `export async function resolve(specifier, context, next) {
  try { return await next(specifier, context); }
  catch (e) { if (specifier.startsWith('.') && !specifier.endsWith('.js')) return next(specifier + '.js', context); throw e; }
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
