// @gptft/backend registers no backend itself (the backend packages depend on it, not the other way):
// its tests compute on tfjs' own cpu kernels, a dev dependency, registered here for every test file.
import '@tensorflow/tfjs-backend-cpu';
