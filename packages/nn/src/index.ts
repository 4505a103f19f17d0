/**
 * @gptft/nn — the building blocks every gptft model is made of, in the shape of `torch.nn`:
 * {@link Module} trees whose parameter paths are Hugging Face's state-dict keys, {@link Linear}
 * (and GPT-2's {@link Conv1D} layout of it), {@link Embedding}, {@link LayerNorm}, {@link Dropout},
 * seeded initialisation (`init`) drawn from one {@link SeedStream}, and the {@link TaskModel}
 * interface task heads implement.
 */
export { Layer, Module, ModuleDict, ModuleList, ParameterDict } from './module.js';
export { Conv1D, Linear, type LinearOptions } from './linear.js';
export { Dropout, Embedding, LayerNorm } from './layers.js';
export { SeedStream } from './seed-stream.js';
export * as init from './init.js';
export type { Seed } from './init.js';
export { backboneOf, isTaskModel, type TaskModel, type TaskType } from './task-model.js';
export { tidy } from './tidy.js';
