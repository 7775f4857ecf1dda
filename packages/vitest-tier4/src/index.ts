// meta (engineer "parity")
export * from './meta/index.js';
// parity (engineer "parity")
export * from './parity/index.js';
