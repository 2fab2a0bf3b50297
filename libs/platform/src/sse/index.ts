export * from './sse-stream.js';
