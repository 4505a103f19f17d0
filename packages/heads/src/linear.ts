// `Linear` is @gptft/nn's (PyTorch's `nn.Linear`: weight [out, in], optional bias); re-exported
// here because the heads' `lm_head`, `score` and `classifier` are built from it.
export { Linear } from '@gptft/nn';
