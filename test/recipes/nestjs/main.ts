import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Receiver } from '@presence-webhooks/core';
import { presenceWebhooks } from '@presence-webhooks/express';
import { AppModule } from './presence.module.js';

/**
 * The NestJS app on its Express adapter. The webhook middleware is mounted in main.ts before
 * listen(): Nest adds its JSON body parser and its router when the app initialises, so the
 * middleware runs first and reads the raw bytes itself, and the rest of the app keeps Nest's
 * parsing. (Mounted after `app.init()` it would sit behind Nest's 404.)
 */
export async function bootstrap(
  receiver: Receiver,
  port = Number(process.env.PORT ?? 3000),
  host = '127.0.0.1',
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forReceiver(receiver), { logger: ['error', 'warn'] });
  app.use('/webhooks', presenceWebhooks(receiver));
  app.enableShutdownHooks();
  await app.listen(port, host);
  return app;
}
