/** Every chaos scenario, by name. A new scenario is one file and one line here. */
import type { Scenario } from '../harness/scenario.js';
import { enrollmentScenario } from './enrollment.js';
import { durabilityScenario } from './durability.js';
import { examScheduleScenario } from './exam-schedule.js';
import { followerReadsScenario } from './follower-reads.js';
import { fencedResourceScenario } from './fenced-resource.js';
import { lockScenario } from './lock.js';
import { registerScenario } from './register.js';
import { sessionsScenario } from './sessions.js';
import { watchesScenario } from './watches.js';
import { znodeSetScenario } from './znode-set.js';

export const SCENARIOS: readonly Scenario[] = [
  registerScenario,
  znodeSetScenario,
  lockScenario,
  fencedResourceScenario,
  sessionsScenario,
  watchesScenario,
  enrollmentScenario,
  followerReadsScenario,
  examScheduleScenario,
  durabilityScenario,
];
