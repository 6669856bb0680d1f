/** The incremental COMPUTE engine: build a dataflow from a plan and maintain it time by time. */
export { DataflowEngine } from './engine.js';
export { buildGraph, type Graph } from './build.js';
export { Arrangement, KeyGroup } from './arrangement.js';
export { Trace } from './trace.js';
export { hashRow, hashValue } from '../../../protocol/row-hash.js';
