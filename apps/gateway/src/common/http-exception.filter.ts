/** Every error the gateway itself answers has the platform's shape `{statusCode, error, message}`. */
import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import { mapError } from '@registrar/platform';
import type { Response } from 'express';
import { sendError } from './http-error.js';

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Gateway');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    // The platform's mapping (validation lists joined, unexpected errors hidden behind a 500);
    // written with sendError because the gateway's responses may already be streaming.
    const { status, body } = mapError(exception);
    if (status >= 500) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    sendError(res, status, status === 429 ? 'too many requests from this address; slow down' : body.message);
  }
}
