// The one place in gptft that imports TensorFlow.js. Every other package takes `tf` from here,
// so a process holds exactly one tfjs-core engine whatever backends are installed.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node (CommonJS) bundle registers no gradient functions and no chained ops
// (`x.square()`): without them training fails with "gradient function not found for Mean".
// generated/tfjs-registrations.js is tfjs-core's own `register_all_gradients` and
// `register_all_chained_ops`, bundled at build time (scripts/bundle-tfjs-registrations.mjs) and
// registered against this same tfjs-core instance, so users need neither `@tensorflow/tfjs` (layers,
// converter, data, webgl) nor anything else beyond tfjs-core and their backend.
import '../generated/tfjs-registrations.js';
// …and their types: the chained ops' declarations (`x.sqrt()`, `x.reshape()`) augment tfjs-core's
// Tensor from these modules, which the bundled registrations leave out of the type graph.
export type * from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';

export { tf };
export type {
  Scalar,
  Tensor,
  Tensor1D,
  Tensor2D,
  Tensor3D,
  Tensor4D,
  Variable,
  Rank,
  DataType,
} from '@tensorflow/tfjs-core';
