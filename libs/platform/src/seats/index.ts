/**
 * Fenced seat allocation: seat pools with a capacity, an optional FIFO waitlist and a fencing token,
 * decided in batches under the pool's coordinator lock. Used by course enrollment (course seats) and
 * exam registration (exam-session desks). See seat-allocator.ts for the three guards.
 */
export * from './seat-model.js';
export * from './seat-decisions.js';
export * from './seat-errors.js';
export * from './seat-tables.js';
export * from './seat-queries.js';
export * from './seat-allocator.js';
