import { Module } from '@nestjs/common';
import { CoursesModule } from '../courses/courses.module.js';
import { WaitlistPromoter } from './waitlist-promoter.service.js';

@Module({ imports: [CoursesModule], providers: [WaitlistPromoter], exports: [WaitlistPromoter] })
export class PromoterModule {}
