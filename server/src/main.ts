// Process entry point: configuration, start-up, signals. Exit 1 on bad config or failed start-up.
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
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
