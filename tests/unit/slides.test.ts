// Every section notebook is also a slide deck (RISE live in JupyterLab, reveal.js static): each cell says where it
// goes, every top-level heading starts a slide, and nothing else does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const dir = path.resolve(__dirname, '..', '..', 'notebooks');
const sections = fs.readdirSync(dir).filter((f) => /^\d\d_.*\.ipynb$/.test(f));

for (const name of sections) {
  test(`${name}: slide metadata on every cell, a slide per # / ## heading`, () => {
    const nb = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as {
      cells: { cell_type: string; source: string[]; metadata: { slideshow?: { slide_type?: string } } }[];
    };
    nb.cells.forEach((c, i) => {
      const type = c.metadata.slideshow?.slide_type;
      assert.ok(type, `${name} cell ${i}: no slideshow metadata`);
      const heading = c.cell_type === 'markdown' && /^#{1,2} /.test(c.source.join('').trimStart());
      if (i === 0 || heading) assert.equal(type, 'slide', `${name} cell ${i} starts a slide`);
      else assert.notEqual(type, 'slide', `${name} cell ${i}: only headings start slides`);
    });
  });
}
