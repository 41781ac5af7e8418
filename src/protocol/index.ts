// Protocol layer: primitives, message codecs, API table, error table.
export { Writer } from './writer.js';
export { Reader } from './reader.js';
export * from './varint.js';
export * from './api-keys.js';
export * from './error-codes.js';
export * from './messages/index.js';
// CRC32C and RecordBatch v2 exports are added below by their owner.
