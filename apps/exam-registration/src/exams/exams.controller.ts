import { Body, Controller, Get, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { BadRequestError, CurrentUser, Public, Roles, type AuthUser } from '@registrar/platform';
import { ScheduleCache } from '../schedules/schedule-cache.js';
import { CreateExamDto } from './create-exam.dto.js';
import type { Exam } from './exam.entity.js';
import { ExamsService } from './exams.service.js';

function intParam(v: string | undefined, name: string, def: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new BadRequestError(`${name} must be an integer from 0 to ${max}`);
  return n;
}

@ApiTags('exams')
@Controller('api/exams')
export class ExamsController {
  constructor(
    @Inject(ExamsService) private readonly exams: ExamsService,
    @Inject(ScheduleCache) private readonly cache: ScheduleCache,
  ) {}

  private view(e: Exam) {
    const v = this.cache.get(e.id);
    return {
      id: e.id,
      courseId: e.courseId,
      title: e.title,
      durationMin: e.durationMin,
      createdAt: e.createdAt,
      scheduleVersion: v?.version ?? null,
      sessions: v?.schedule.sessions ?? [],
    };
  }

  @Post()
  @Roles('staff')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Create an exam (its schedule starts empty at version 0)' })
  async create(@Body() dto: CreateExamDto, @CurrentUser() user: AuthUser) {
    return this.view(await this.exams.create(dto, user));
  }

  @Get()
  @Public()
  @ApiQuery({ name: 'courseId', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async list(
    @Query('courseId') courseId?: string,
    @Query('offset') offset?: string,
    @Query('limit') limit?: string,
  ) {
    const [items, total] = await this.exams.list({
      ...(courseId !== undefined ? { courseId } : {}),
      offset: intParam(offset, 'offset', 0, 1_000_000),
      limit: intParam(limit, 'limit', 50, 200),
    });
    return { items: items.map((e) => this.view(e)), total };
  }

  @Get(':id')
  @Public()
  @ApiOperation({ summary: 'One exam with its sessions and the desks taken in each' })
  async get(@Param('id') id: string) {
    const v = this.view(await this.exams.get(id));
    const taken = await this.exams.seatsTaken(
      id,
      v.sessions.map((s) => s.id),
    );
    return { ...v, sessions: v.sessions.map((s) => ({ ...s, taken: taken[s.id] ?? 0 })) };
  }
}
