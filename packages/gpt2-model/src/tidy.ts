export { tidy } from '@gptft/nn';
