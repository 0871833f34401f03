export * from './generated';
export * from './events';
export * from './helpers';
