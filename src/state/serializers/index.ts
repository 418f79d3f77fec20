export * from './type-serializer.js';
export { AvroSerializer, type AvroSchema } from './avro-serializer.js';
