import { Module } from '@nestjs/common';
import { CourseSettings } from './course-settings.service.js';

@Module({ providers: [CourseSettings], exports: [CourseSettings] })
export class SettingsModule {}
