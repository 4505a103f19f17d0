// The one place in gptft that imports TensorFlow.js. Every other package takes `tf` from here,
// so a process holds exactly one tfjs-core engine whatever backends are installed.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node (CommonJS) bundle registers no gradient functions and no chained ops
// (`x.square()`); the `@tensorflow/tfjs` union bundle registers both, against this same
// tfjs-core instance. Without it, training fails with "gradient function not found for Mean".
import '@tensorflow/tfjs';

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
