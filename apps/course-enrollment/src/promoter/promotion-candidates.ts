/** Pools with a free seat and someone waiting: seats freed by anything that did not promote. */
import type { EntityManager } from 'typeorm';
import { courseSeatTables } from '../courses/course-seats.js';

export async function promotionCandidates(em: EntityManager, limit = 100): Promise<string[]> {
  const rows = await em
    .createQueryBuilder(courseSeatTables.pools, 'p')
    .select('p.id', 'id')
    .where('p.taken < p.capacity')
    .andWhere('p.waitlisted > 0')
    .orderBy('p.updatedAt', 'ASC')
    .limit(limit)
    .getRawMany<{ id: string }>();
  return rows.map((r) => r.id);
}
