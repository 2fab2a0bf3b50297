// Preloaded into a Registrar member by `npm run bench -- coordinator --profile`
// (NODE_OPTIONS=--import <this file>; Node 20 refuses --cpu-prof in NODE_OPTIONS). Starts V8's
// sampling profiler through the in-process inspector and writes the profile when the process exits
// (the member exits through process.exit after SIGTERM; in-process inspector calls are synchronous).
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.REGISTRAR_BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 250 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `member-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
