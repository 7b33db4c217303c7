/**
 * Static slides for instructors: `build/slides/NN_*.slides.html` from the executed section notebooks (nbconvert's
 * reveal.js exporter), with reveal.js, require.js and jQuery copied beside them from node_modules, so the slides open
 * offline — no CDN — with every chart as its static image. Slide breaks come from each cell's `slideshow` metadata
 * (the same the JupyterLab RISE extension presents live).
 *
 *   npx tsx tools/slides.ts <folder of executed notebooks> <output folder>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runNbconvert } from './runner/html';

const repo = path.resolve(__dirname, '..');

/** The local copies the slides load, and the nbconvert settings pointing at them (relative to the slides). */
export const OFFLINE_ASSETS = [
  { from: 'node_modules/reveal.js/dist', to: 'reveal.js/dist' },
  { from: 'node_modules/reveal.js/plugin', to: 'reveal.js/plugin' },
  { from: 'node_modules/requirejs/require.js', to: 'vendor/require.js' },
  { from: 'node_modules/jquery/dist/jquery.min.js', to: 'vendor/jquery.min.js' },
];
export const SLIDES_SETTINGS = [
  '--SlidesExporter.reveal_url_prefix=reveal.js',
  '--SlidesExporter.require_js_url=vendor/require.js',
  '--SlidesExporter.jquery_url=vendor/jquery.min.js',
  // the workshop has no math: a stub keeps reveal's slide-change handler (it calls MathJax.Hub) working offline
  '--SlidesExporter.mathjax_url=vendor/no-mathjax.js',
  '--SlidesExporter.reveal_scroll=True',
  '--SlidesExporter.exclude_input_prompt=True',
  '--SlidesExporter.exclude_output_prompt=True',
];

/** What the reveal template calls on MathJax, doing nothing. */
const NO_MATHJAX = 'window.MathJax = { Hub: { Config() {}, Queue() {}, Rerender() {}, getAllJax() { return []; } } };\n';

export function sectionNotebooks(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export async function buildSlides(executedDir: string, outDir: string, venv: string): Promise<string[]> {
  const notebooks = sectionNotebooks(executedDir);
  if (notebooks.length === 0) throw new Error(`no executed section notebooks (NN_*.ipynb) in ${executedDir}`);
  fs.mkdirSync(outDir, { recursive: true });
  for (const a of OFFLINE_ASSETS) fs.cpSync(path.join(repo, a.from), path.join(outDir, a.to), { recursive: true });
  fs.writeFileSync(path.join(outDir, 'vendor', 'no-mathjax.js'), NO_MATHJAX);
  const out = await runNbconvert(venv, ['--to', 'slides', ...SLIDES_SETTINGS, '--output-dir', outDir, ...notebooks]);
  if (!out.ok) throw new Error(out.error);
  return notebooks.map((n) => path.join(outDir, path.basename(n).replace(/\.ipynb$/, '.slides.html')));
}

if (require.main === module) {
  const [executedDir, outDir] = process.argv.slice(2);
  if (!executedDir || !outDir) {
    process.stderr.write('usage: npx tsx tools/slides.ts <folder of executed notebooks> <output folder>\n');
    process.exit(2);
  }
  const venv = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');
  buildSlides(path.resolve(executedDir), path.resolve(outDir), venv).then(
    (files) => {
      for (const f of files) console.log(`slides: ${path.relative(process.cwd(), f)}`);
    },
    (err: Error) => {
      process.stderr.write(`slides: ${err.message}\n`);
      process.exit(1);
    },
  );
}
