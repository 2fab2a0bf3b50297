import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SettingsModule } from '../settings/settings.module.js';
import { Course } from './course.entity.js';
import { CourseSeats, courseSeatTables } from './course-seats.js';
import { CoursesController } from './courses.controller.js';
import { CoursesService } from './courses.service.js';

/** Entities of courses and their seat pools, for the app's DataSource. */
export const courseEntities = [Course, ...courseSeatTables.entities];

@Module({
  imports: [TypeOrmModule.forFeature([Course]), SettingsModule],
  controllers: [CoursesController],
  providers: [CourseSeats, CoursesService],
  exports: [CourseSeats, CoursesService, SettingsModule],
})
export class CoursesModule {}
