// Reading executed notebooks in tests: every code cell's outputs, each as the text a person would read.
import type { Notebook, Output } from '../../tools/runner/index';

export function textOf(o: Output): string {
  if (o.output_type === 'stream') return Array.isArray(o.text) ? o.text.join('') : o.text;
  if (o.output_type === 'error') return `${o.ename}: ${o.evalue}\n${o.traceback.join('\n')}`;
  return JSON.stringify(o.data);
}

export function outputsOf(nb: Notebook): Output[] {
  return nb.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : []));
}

/** Everything the notebook printed, in order. */
export function printed(nb: Notebook): string {
  return outputsOf(nb).map(textOf).join('\n');
}
