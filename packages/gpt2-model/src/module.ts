// The module system lives in @gptft/nn; re-exported here for the model's files and older imports.
export { Layer, Module, ModuleDict, ModuleList } from '@gptft/nn';
