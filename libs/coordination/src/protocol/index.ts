/** Public surface of the ZooKeeper wire codec. Pure: no I/O. */
export * from './constants.js';
export type * from './records.js';
export * from './errors.js';
export * from './jute-reader.js';
export * from './jute-writer.js';
export * from './record-codec.js';
export * from './connect-codec.js';
export * from './request-codec.js';
export * from './response-codec.js';
export * from './frame-decoder.js';
export * from './four-letter-words.js';
