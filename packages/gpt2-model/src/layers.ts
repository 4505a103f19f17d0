// GPT-2's layers are @gptft/nn's; re-exported here for the model's files and older imports.
export { Conv1D, Dropout, Embedding, LayerNorm } from '@gptft/nn';
