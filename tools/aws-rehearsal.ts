/**
 * Rehearse the attendees' aws target without an AWS account: an AWS stand-in (moto's server mode, from
 * requirements-dev.txt) on a free loopback port, a throw-away `dynamodb-workshop` profile pointing at it, the tenant
 * role deployed with scripts/tenant-role/deploy.sh, then notebooks 00–06 headless for each attendee id, one after
 * the other on one account (the first creates ws-shared, the others use it), into build/aws-rehearsal/<id>/.
 *
 *   bash tools/workshop.sh aws-rehearsal [attendee-id ...]     (default: two attendees, rehearsal-a and rehearsal-b)
 *
 * The stand-in does not enforce IAM condition keys, throttle, meter real capacity or offer Contributor Insights: the
 * notebooks say so where it shows; the local target's enforcer and emulator teach those.
 */
import * as path from 'node:path';
import { validateAttendeeId } from '../src/config';
import { deployTenantRole, startAwsStandin, venvDir } from './aws-standin';
import { runNotebooks } from './runner/index';

async function main(): Promise<number> {
  const ids = process.argv.slice(2);
  const attendees = (ids.length ? ids : ['rehearsal-a', 'rehearsal-b']).map((id) => validateAttendeeId(id));
  const repo = path.resolve(__dirname, '..');
  const standin = await startAwsStandin();
  const stop = () => void standin.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let failed = 0;
  try {
    console.log(`AWS stand-in (moto) at ${standin.endpoint}; profile dynamodb-workshop points at it`);
    const roleArn = deployTenantRole(standin.env);
    for (const attendee of attendees) {
      console.log(`\n== attendee ${attendee}`);
      const summary = await runNotebooks({
        paths: [path.join(repo, 'notebooks')],
        outputDir: path.join(repo, 'build', 'aws-rehearsal', attendee),
        venv: venvDir,
        timeout: 300,
        html: true,
        env: { ...standin.env, ATTENDEE_ID: attendee, WORKSHOP_TENANT_ROLE_ARN: roleArn },
        log: (line: string) => console.log(line),
      });
      failed += summary.notebooks.filter((n) => !n.ok).length;
    }
  } finally {
    await standin.stop();
  }
  console.log(failed ? `\n${failed} notebook(s) failed on the aws target` : '\nevery notebook ran on the aws target');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
