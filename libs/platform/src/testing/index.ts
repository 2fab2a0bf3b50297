/** `@registrar/platform/testing`: helpers for test suites only (never imported by apps). */
export * from './test-token-issuer.js';
