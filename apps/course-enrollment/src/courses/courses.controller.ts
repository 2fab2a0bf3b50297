import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Public, Roles, type AuthUser } from '@registrar/platform';
import { CoursesService, type Page } from './courses.service.js';
import type { CourseView } from './course.view.js';
import { CreateCourseDto } from './dto/create-course.dto.js';
import { ListCoursesQuery } from './dto/list-courses.query.js';
import { UpdateCourseDto } from './dto/update-course.dto.js';

@ApiTags('courses')
@ApiBearerAuth()
@Controller('api/courses')
export class CoursesController {
  constructor(private readonly courses: CoursesService) {}

  @Post()
  @Roles('staff')
  @HttpCode(201)
  create(@Body() dto: CreateCourseDto, @CurrentUser() user: AuthUser): Promise<CourseView> {
    return this.courses.create(dto, user);
  }

  /** The catalogue is public, as a university's course catalogue is: seats left help students choose. */
  @Public()
  @Get()
  list(@Query() q: ListCoursesQuery): Promise<Page<CourseView>> {
    return this.courses.list(q);
  }

  @Public()
  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<CourseView> {
    return this.courses.get(id);
  }

  @Patch(':id')
  @Roles('staff')
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateCourseDto,
    @CurrentUser() user: AuthUser,
  ): Promise<CourseView> {
    return this.courses.update(id, dto, user);
  }
}
