/**
 * The accumulator stage: RecordAccumulator (per-partition batch queues), ProducerBatch (one
 * partition's batch and its record completions), BufferPool (buffer.memory), and the cluster
 * view the sender's metadata provides.
 */
export { BufferPool, type BufferPoolOptions } from './buffer-pool.js';
export type { ClusterView, TopicPartition, TopicPartitionsView } from './cluster-view.js';
export {
  COMPRESSION_RATE_ESTIMATION_FACTOR,
  COMPRESSION_RATIO_DETERIORATE_STEP,
  COMPRESSION_RATIO_IMPROVING_STEP,
  CompressionRatioEstimator,
} from './compression-ratio.js';
export {
  ProducerBatch,
  type BatchContext,
  type CompressFn,
  type FinalState,
  type ProducerBatchOptions,
  type RecordCompletionHandler,
} from './producer-batch.js';
export {
  ACKNOWLEDGED,
  FAILED_NOT_WRITTEN,
  FAILED_OUTCOME_UNKNOWN,
  RecordAccumulator,
  type AppendResult,
  type BatchExit,
  type ReadyCheckResult,
  type RecordAccumulatorOptions,
  type SenderHooks,
} from './record-accumulator.js';
