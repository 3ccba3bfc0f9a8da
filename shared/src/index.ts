export * from './auth';
export * from './author';
export * from './pagination';
export * from './roles';
export * from './events';
export * from './legacy';
export * from './audit';
