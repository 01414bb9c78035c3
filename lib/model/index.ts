export * from './backend-props.js';
export * from './backend.js';
export * from './common.js';
export { imageTag } from './image.js';
export * from './model-construct.js';
export * from './nginx.js';
export * from './postgres.js';
export * from './redis.js';
export * from './stack.js';
