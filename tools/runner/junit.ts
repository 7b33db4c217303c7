/**
 * JUnit XML for CI: one <testsuite> per notebook, one <testcase> per code cell that nbclient would execute.
 * ok → passed; failed / timed out → <failure>; allowed error (--allow-errors, raises-exception) → passed, with
 * the error in <system-err>; skip-execution and cells not reached after a failure → <skipped>. A notebook that
 * could not run at all (unreadable, kernel did not start) gets one testcase "notebook" with an <error>.
 * Paths under the repository are written relative to it. Pure.
 */
import { errorText } from './errors';
import { REPO_ROOT, relativePaths } from './paths';
import type { CellResult, NotebookResult, Summary } from './types';

export function xmlEscape(s: string): string {
  return s
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function testcase(_nb: NotebookResult, c: CellResult, classname: string): string {
  const name = `cell ${String(c.index + 1).padStart(2, '0')}${c.id ? ` [${c.id}]` : ''}`;
  const open = `    <testcase classname="${xmlEscape(classname)}" name="${xmlEscape(name)}" time="${c.seconds.toFixed(3)}"`;
  const err = c.error ? errorText(c.error) : '';
  const msg = c.error ? `${c.error.ename}: ${c.error.evalue}` : '';
  switch (c.status) {
    case 'ok':
      return `${open}/>`;
    case 'allowed-error':
      return `${open}>\n      <system-err>${xmlEscape(err)}</system-err>\n    </testcase>`;
    case 'error':
    case 'timeout':
      return `${open}>\n      <failure message="${xmlEscape(msg)}" type="${xmlEscape(c.error?.ename ?? 'Error')}">${xmlEscape(err)}</failure>\n    </testcase>`;
    case 'skipped':
      return `${open}>\n      <skipped message="skip-execution tag"/>\n    </testcase>`;
    case 'not-run':
      return `${open}>\n      <skipped message="not run: an earlier cell failed"/>\n    </testcase>`;
  }
}

/** The XML, with every path under `root` (the repository) written relative to it (tools/runner/paths.ts). */
export function junitXml(summary: Summary, root: string = REPO_ROOT): string {
  return relativePaths(junitDocument(summary), root);
}

function junitDocument(summary: Summary): string {
  const suites = summary.notebooks.map((nb) => {
    // a lane's notebooks (`<lane>/00_setup.ipynb`): notebooks.<lane>.00_setup
    const classname = `notebooks.${nb.name
      .replace(/\.ipynb$/, '')
      .split('/')
      .join('.')}`;
    const cases = nb.cellResults.map((c) => testcase(nb, c, classname));
    let errors = 0;
    if (nb.error) {
      errors = 1;
      cases.push(
        `    <testcase classname="${xmlEscape(classname)}" name="notebook" time="${nb.seconds.toFixed(3)}">\n` +
          `      <error message="${xmlEscape(nb.error.split('\n')[0])}">${xmlEscape(nb.error)}</error>\n    </testcase>`,
      );
    }
    const failures = nb.cellResults.filter((c) => c.status === 'error' || c.status === 'timeout').length;
    const skipped = nb.cellResults.filter((c) => c.status === 'skipped' || c.status === 'not-run').length;
    return (
      `  <testsuite name="${xmlEscape(nb.name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" ` +
      `skipped="${skipped}" time="${nb.seconds.toFixed(3)}" file="${xmlEscape(nb.path)}">\n${cases.join('\n')}\n  </testsuite>`
    );
  });
  const tests = summary.notebooks.reduce((a, nb) => a + nb.cellResults.length + (nb.error ? 1 : 0), 0);
  const failures = summary.notebooks.reduce(
    (a, nb) => a + nb.cellResults.filter((c) => c.status === 'error' || c.status === 'timeout').length,
    0,
  );
  const errors = summary.notebooks.filter((nb) => nb.error).length;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="notebooks" tests="${tests}" failures="${failures}" errors="${errors}" time="${summary.seconds.toFixed(3)}">\n` +
    `${suites.join('\n')}\n</testsuites>\n`
  );
}
