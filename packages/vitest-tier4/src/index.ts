// meta (engineer "parity")
export * from './meta/index.js';
// parity (engineer "parity")
export * from './parity/index.js';
// runtimes (engineer "runners")
export * from './runtimes/index.js';
// tier4 (engineer "runners")
export * from './tier4/index.js';
