// Process entry point: configuration, start-up, signals. Exit 1 on bad config or failed start-up.
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { isDatabaseUnavailable } from './db/errors';
import { createLogger } from './observability/logger';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createLogger(config);

// postgres.js runs an array-type query on each new connection and drops its promise
// (porsager/postgres#1192): when the database goes away while a connection starts, that rejection is
// unhandled. The query that needed the connection has its own error; crashing would turn a database
// blip into an outage. Anything else unhandled is a bug: log it and exit, as Node would.
process.on('unhandledRejection', (reason) => {
  if (isDatabaseUnavailable(reason)) {
    logger.warn({ err: reason }, 'database connection lost while it was starting');
    return;
  }
  logger.fatal({ err: reason }, 'unhandled promise rejection');
  logger.flush();
  process.exit(1);
});

try {
  const app = await createApp(config, logger);
  const address = await app.listen();
  logger.info(
    { port: address.port, host: address.address, database: app.database.driver },
    'server listening',
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await app.close();
      logger.info('shutdown complete');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (error) {
  const reason = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Failed to start: ${reason}\n`);
  logger.flush();
  process.exit(1);
}
