/**
 * Per-topic, per-codec estimate of the compression ratio (compressed / uncompressed bytes of a
 * batch's records), with the update rule of Java's `CompressionRatioEstimator`: start at 1.0;
 * a batch that compressed better than estimated improves the estimate by a small constant step
 * (0.005); a batch that compressed worse moves it up at once, by at least 0.05, to the observed
 * ratio. The asymmetry keeps batches from overshooting batch.size after compression.
 *
 * Ownership: one instance per RecordAccumulator (Java keeps a static map; here it is not shared
 * between producers). Read when a batch is opened to size its uncompressed buffer, updated when
 * a batch is compressed, reset (upwards) when a batch had to be split.
 */
export const COMPRESSION_RATIO_IMPROVING_STEP = 0.005;
export const COMPRESSION_RATIO_DETERIORATE_STEP = 0.05;
/** Java's MemoryRecordsBuilder inflates the estimate by 5% when deciding whether a batch is full. */
export const COMPRESSION_RATE_ESTIMATION_FACTOR = 1.05;

const CODECS = 5; // none, gzip, snappy, lz4, zstd

export class CompressionRatioEstimator {
  private readonly ratios = new Map<string, Float64Array>();

  private forTopic(topic: string): Float64Array {
    let r = this.ratios.get(topic);
    if (r === undefined) {
      r = new Float64Array(CODECS).fill(1);
      this.ratios.set(topic, r);
    }
    return r;
  }

  /** The current estimate for the topic and codec (1.0 until a batch was compressed). */
  estimation(topic: string, codec: number): number {
    return this.forTopic(topic)[codec] ?? 1;
  }

  /** Folds in the ratio observed for one batch; returns the new estimate. */
  updateEstimation(topic: string, codec: number, observedRatio: number): number {
    const r = this.forTopic(topic);
    const current = r[codec] ?? 1;
    if (observedRatio > current) r[codec] = Math.max(current + COMPRESSION_RATIO_DETERIORATE_STEP, observedRatio);
    else if (observedRatio < current) r[codec] = current - COMPRESSION_RATIO_IMPROVING_STEP;
    return r[codec]!;
  }

  /** Overrides the estimate (used after a split, and by tests). */
  setEstimation(topic: string, codec: number, ratio: number): void {
    this.forTopic(topic)[codec] = ratio;
  }

  removeEstimation(topic: string): void {
    this.ratios.delete(topic);
  }
}
