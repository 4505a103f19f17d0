/**
 * `@gptft/hub/testing` — a loopback HTTP server in the Hugging Face hub's URL layout, so code that
 * downloads models or datasets can be tested offline against real HTTP (gptft's own tests use it).
 */
export * from './hub-server.js';
