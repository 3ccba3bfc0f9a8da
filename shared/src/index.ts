export * from './author';
export * from './pagination';
export * from './roles';
export * from './audit';
