import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  BadRequestError,
  CurrentUser,
  lastEventId,
  NotFoundError,
  PlatformConfig,
  Public,
  Roles,
  ServiceUnavailableError,
  SseStream,
  type AuthUser,
} from '@registrar/platform';
import { ExamMetrics } from '../common/exam-metrics.js';
import { OpenStreams } from '../common/open-streams.js';
import type { ExamRegistrationEnv } from '../exam-registration.env.js';
import { ifNoneMatchHits, parseIfMatch, scheduleEtag } from './if-match.js';
import { ScheduleCache } from './schedule-cache.js';
import { ScheduleChangeService, scheduleBody } from './schedule-change.service.js';
import { isValidExamId } from './schedule-paths.js';
import type { ScheduleVersion } from './schedule.types.js';

function examIdParam(id: string): string {
  if (!isValidExamId(id)) throw new NotFoundError(`no exam ${id}`);
  return id;
}

/** The SSE payload of one schedule version; its event id is the version's mzxid. */
export function scheduleEvent(v: ScheduleVersion) {
  return {
    id: String(v.mzxid),
    data: { examId: v.examId, version: v.version, mzxid: v.mzxid, schedule: v.schedule },
  };
}

@ApiTags('schedules')
@Controller('api/exams')
export class ScheduleController {
  constructor(
    @Inject(ScheduleCache) private readonly cache: ScheduleCache,
    @Inject(ScheduleChangeService) private readonly changes: ScheduleChangeService,
    @Inject(PlatformConfig) private readonly config: PlatformConfig<ExamRegistrationEnv>,
    @Inject(OpenStreams) private readonly streams: OpenStreams,
    @Inject(ExamMetrics) private readonly metrics: ExamMetrics,
  ) {}

  @Get('schedule/events')
  @Public()
  @ApiOperation({
    summary:
      'Server-Sent Events: every schedule change (id = zxid; send Last-Event-ID to resume on any instance)',
  })
  @ApiQuery({ name: 'examId', required: false })
  events(@Req() req: Request, @Res() res: Response, @Query('examId') examId?: string): void {
    if (examId !== undefined && !isValidExamId(examId))
      throw new BadRequestError('examId is not a valid exam id');
    const last = lastEventId(req);
    let since = -1;
    if (last !== undefined) {
      if (!/^\d{1,16}$/.test(last)) throw new BadRequestError('Last-Event-ID must be a zxid (decimal)');
      since = Number(last);
    }
    const stream = new SseStream(req, res, { heartbeatMs: this.config.env.SSE_HEARTBEAT_MS });
    this.streams.add(stream);
    // Per connection: the newest version sent per exam, so nothing older follows anything newer
    // and nothing is sent twice (a replayed version may also arrive live). A client resuming with
    // Last-Event-ID has already seen every change up to that zxid (ids are sent in zxid order), so
    // live changes at or below it are dropped too: this instance's cache may lag the one the client
    // came from, and would otherwise push versions older than what the client holds (found by the
    // exam-schedule chaos scenario).
    const sent = new Map<string, number>();
    const send = (v: ScheduleVersion) => {
      if (examId !== undefined && v.examId !== examId) return;
      if (v.mzxid <= since) return;
      if ((sent.get(v.examId) ?? -1) >= v.version) return;
      sent.set(v.examId, v.version);
      stream.send(scheduleEvent(v));
    };
    // Snapshot and subscription in one synchronous step: nothing can slip between them.
    const replay = this.cache.changedSince(since, examId);
    this.cache.on('change', send);
    stream.onClose(() => this.cache.off('change', send));
    for (const v of replay) send(v);
  }

  @Get(':id/schedule')
  @Public()
  @ApiOperation({ summary: 'The schedule in force (from this instance’s watch-fed cache); ETag = version' })
  @ApiHeader({ name: 'If-None-Match', required: false })
  schedule(
    @Param('id') id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const v = this.cache.get(examIdParam(id));
    if (v === undefined) {
      if (!this.cache.ready) throw new ServiceUnavailableError('schedules are still loading');
      throw new NotFoundError(`no schedule for exam ${id}`);
    }
    res.setHeader('ETag', scheduleEtag(v.version));
    res.setHeader('Cache-Control', 'no-cache');
    if (ifNoneMatchHits(ifNoneMatch, v.version)) {
      res.status(304);
      return undefined;
    }
    return scheduleBody(v);
  }

  @Put(':id/schedule')
  @Roles('staff')
  @ApiBearerAuth()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Replace the schedule (If-Match: "<version>"); moves: [{from, to}] say where students of dropped or shrunk sessions go',
  })
  @ApiHeader({ name: 'If-Match', required: true })
  @ApiBody({
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['sessions'],
      properties: {
        sessions: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'startsAt', 'endsAt', 'room', 'seats'],
            properties: {
              id: { type: 'string', example: 'morning' },
              startsAt: { type: 'string', format: 'date-time' },
              endsAt: { type: 'string', format: 'date-time' },
              room: { type: 'string', example: 'H1' },
              seats: { type: 'integer', minimum: 0 },
            },
          },
        },
        moves: {
          type: 'array',
          items: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } },
        },
        force: {
          type: 'boolean',
          default: false,
          description:
            'Save even when the change gives students overlapping exams (without it: 409, reason "clashes")',
        },
      },
    },
  })
  @ApiResponse({
    status: 200,
    description: 'Saved: the new version; `clashes` lists overlaps a forced save kept',
  })
  @ApiResponse({
    status: 409,
    description:
      'Not saved. `reason: "clashes"` + `clashes: [{studentId, sessionId, otherExamId, otherSessionId}]`: ' +
      'students would hold overlapping exams (send `force: true` to save anyway); or `conflicts`: students ' +
      'of dropped or shrunk sessions need `moves`',
  })
  @ApiResponse({ status: 412, description: 'If-Match is not the current version; `current` holds it' })
  async replace(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: unknown,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) res: Response,
  ) {
    let written;
    try {
      written = await this.changes.update(examIdParam(id), parseIfMatch(ifMatch), body, user);
    } catch (err) {
      const status = (err as { status?: number }).status;
      const outcome =
        status === 412
          ? 'stale'
          : status === 409
            ? 'conflict'
            : status === 400 || status === 428
              ? 'invalid'
              : 'failed';
      this.metrics.scheduleWrites.inc({ outcome });
      throw err;
    }
    this.metrics.scheduleWrites.inc({ outcome: 'committed' });
    res.setHeader('ETag', scheduleEtag(written.version));
    // When the coordinator acknowledged the write (epoch ms): push latency is measured from it.
    res.setHeader('X-Coordinator-Ack-Ms', String(written.ackedAtMs));
    return { ...scheduleBody(written), clashes: written.clashes };
  }
}
