export * from './auth';
export * from './author';
export * from './pagination';
export * from './roles';
