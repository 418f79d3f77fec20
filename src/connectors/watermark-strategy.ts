/** Moved to graph/ (sources and `assignTimestampsAndWatermarks` both take it); kept for importers. */
export { WatermarkStrategy } from '../graph/watermark-strategy.js';
