import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, type AuthUser } from '@registrar/platform';
import type { Page } from '../courses/courses.service.js';
import { EnrollDto } from './dto/enroll.dto.js';
import { ListEnrollmentsQuery } from './dto/list-enrollments.query.js';
import type { EnrollmentHistoryEntry, EnrollmentView } from './enrollment.view.js';
import { EnrollmentsService, type EnrollResult } from './enrollments.service.js';

const uuid = () => new ParseUUIDPipe();

@ApiTags('enrollments')
@ApiBearerAuth()
@Controller('api')
export class EnrollmentsController {
  constructor(private readonly enrollments: EnrollmentsService) {}

  /** 201 `{status: "enrolled"}` or `{status: "waitlisted", position}`; 409 already enrolled / full. */
  @Post('courses/:id/enrollments')
  @HttpCode(201)
  enroll(
    @Param('id', uuid()) id: string,
    @Body() dto: EnrollDto,
    @CurrentUser() user: AuthUser,
  ): Promise<EnrollResult> {
    return this.enrollments.enroll(id, user, dto.studentId);
  }

  @Get('courses/:id/enrollments')
  @Roles('staff')
  list(@Param('id', uuid()) id: string, @Query() q: ListEnrollmentsQuery): Promise<Page<EnrollmentView>> {
    return this.enrollments.listForCourse(id, q);
  }

  @Get('courses/:id/enrollments/:studentId')
  get(
    @Param('id', uuid()) id: string,
    @Param('studentId', uuid()) studentId: string,
    @CurrentUser() user: AuthUser,
  ): Promise<EnrollmentView> {
    return this.enrollments.get(id, studentId, user);
  }

  @Get('courses/:id/enrollments/:studentId/history')
  history(
    @Param('id', uuid()) id: string,
    @Param('studentId', uuid()) studentId: string,
    @CurrentUser() user: AuthUser,
  ): Promise<EnrollmentHistoryEntry[]> {
    return this.enrollments.history(id, studentId, user);
  }

  /** Drops (or leaves the waitlist) and promotes the first waitlisted student in the same locked step. */
  @Delete('courses/:id/enrollments/:studentId')
  drop(
    @Param('id', uuid()) id: string,
    @Param('studentId', uuid()) studentId: string,
    @CurrentUser() user: AuthUser,
  ): Promise<EnrollmentView> {
    return this.enrollments.drop(id, studentId, user);
  }

  @Get('students/me/enrollments')
  mine(@CurrentUser() user: AuthUser): Promise<EnrollmentView[]> {
    return this.enrollments.mine(user);
  }
}
