// Public entry of the server package: the app factory and the router type the client is built on.
export { createApp, type App } from './app';
export { loadConfig, type Config } from './config';
export type { AppRouter } from './routers';
