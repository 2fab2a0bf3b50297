import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  AllowQueryToken,
  BadRequestError,
  CurrentUser,
  lastEventId,
  PlatformConfig,
  Roles,
  SseStream,
  type AuthUser,
} from '@registrar/platform';
import { OpenStreams } from '../common/open-streams.js';
import type { ExamRegistrationEnv } from '../exam-registration.env.js';
import type { Notification } from '../notifications/notification.entity.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { RegistrationsService } from './registrations.service.js';

function notificationEvent(n: Notification) {
  return {
    id: String(n.createdAt.getTime()),
    event: 'notification',
    data: { id: n.id, kind: n.kind, message: n.message, ...n.payload, createdAt: n.createdAt },
  };
}

@ApiTags('registrations')
@ApiBearerAuth()
@Controller('api')
export class RegistrationsController {
  constructor(
    @Inject(RegistrationsService) private readonly registrations: RegistrationsService,
    @Inject(NotificationsService) private readonly notifications: NotificationsService,
    @Inject(PlatformConfig) private readonly config: PlatformConfig<ExamRegistrationEnv>,
    @Inject(OpenStreams) private readonly streams: OpenStreams,
  ) {}

  @Post('exams/:id/sessions/:sessionId/registrations')
  @Roles('student')
  @ApiOperation({ summary: 'Register yourself for one session of an exam (enrolled in its course)' })
  register(
    @Param('id') examId: string,
    @Param('sessionId') sessionId: string,
    @CurrentUser() user: AuthUser,
  ) {
    return this.registrations.register(examId, sessionId, user);
  }

  @Delete('exams/:id/registrations/me')
  @Roles('student')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel your registration for an exam' })
  cancel(@Param('id') examId: string, @CurrentUser() user: AuthUser) {
    return this.registrations.cancel(examId, user);
  }

  @Get('students/me/exams')
  @Roles('student')
  @ApiOperation({ summary: 'Your exam sessions, with times and rooms from the schedule in force' })
  async mine(@CurrentUser() user: AuthUser) {
    return { items: await this.registrations.listFor(user.id) };
  }

  @Get('students/me/notifications')
  @Roles('student')
  async myNotifications(@CurrentUser() user: AuthUser) {
    return { items: (await this.notifications.list(user.id)).map((n) => notificationEvent(n).data) };
  }

  /**
   * Your own notifications as Server-Sent Events (`event: notification`). EventSource cannot send
   * headers, so this stream also accepts `?access_token=`. Last-Event-ID (a creation time in ms)
   * replays what was recorded since.
   */
  @Get('students/me/events')
  @Roles('student')
  @AllowQueryToken()
  async events(@CurrentUser() user: AuthUser, @Req() req: Request, @Res() res: Response): Promise<void> {
    const last = lastEventId(req);
    if (last !== undefined && !/^\d{1,16}$/.test(last))
      throw new BadRequestError('Last-Event-ID must be a number');
    const stream = new SseStream(req, res, { heartbeatMs: this.config.env.SSE_HEARTBEAT_MS });
    this.streams.add(stream);
    const seen = new Set<string>();
    const send = (n: Notification) => {
      if (seen.has(n.id)) return;
      seen.add(n.id);
      stream.send(notificationEvent(n));
    };
    stream.onClose(this.notifications.subscribe(user.id, send));
    if (last !== undefined)
      for (const n of await this.notifications.list(user.id, { after: new Date(Number(last)) })) send(n);
  }
}
