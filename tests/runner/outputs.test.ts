/** Output accumulation from iopub messages, checked against nbclient's process_message semantics. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputAccumulator, outputFromMsg } from '../../tools/runner/outputs';
import { nbclientTimestamp } from '../../tools/runner/timestamps';
import type { CodeCell, KernelMsg, Notebook } from '../../tools/runner/types';

const PARENT = { msg_id: 'req-1' };
let n = 0;
function msg(msg_type: string, content: Record<string, unknown>, date = '2026-01-02T03:04:05.123Z'): KernelMsg {
  return { header: { msg_type, date, msg_id: `m${++n}` }, parent_header: PARENT, content };
}
const stream = (name: string, text: string) => msg('stream', { name, text });
const display = (data: Record<string, unknown>, display_id?: string) =>
  msg('display_data', { data, metadata: {}, ...(display_id ? { transient: { display_id } } : {}) });
const update = (data: Record<string, unknown>, display_id: string) =>
  msg('update_display_data', { data, metadata: { updated: true }, transient: { display_id } });
const status = (execution_state: string, date?: string) => msg('status', { execution_state }, date);

function notebook(cells = 2): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: Array.from({ length: cells }, (_, i) => ({
      cell_type: 'code' as const,
      id: `c${i}`,
      metadata: {},
      source: 'x',
      outputs: [],
      execution_count: null,
    })),
  };
}
const code = (nb: Notebook, i: number) => nb.cells[i] as CodeCell;

describe('OutputAccumulator', () => {
  it('keeps consecutive stream messages as separate outputs (nbconvert does not coalesce)', () => {
    const nb = notebook(1);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, stream('stdout', 'hello\n'));
    acc.handleIopub(0, stream('stdout', 'world\n'));
    acc.handleIopub(0, stream('stderr', 'warn\n'));
    acc.handleIopub(0, stream('stdout', 'again\n'));
    assert.deepEqual(code(nb, 0).outputs, [
      { output_type: 'stream', name: 'stdout', text: 'hello\n' },
      { output_type: 'stream', name: 'stdout', text: 'world\n' },
      { output_type: 'stream', name: 'stderr', text: 'warn\n' },
      { output_type: 'stream', name: 'stdout', text: 'again\n' },
    ]);
  });

  it('records display_data, execute_result (with its execution_count) and error outputs', () => {
    const nb = notebook(1);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, display({ 'text/html': '<b>hi</b>' }));
    acc.handleIopub(0, msg('execute_result', { data: { 'text/plain': '42' }, metadata: {}, execution_count: 7 }));
    acc.handleIopub(0, msg('error', { ename: 'Error', evalue: 'boom', traceback: ['Error: boom'] }));
    assert.deepEqual(code(nb, 0).outputs, [
      { output_type: 'display_data', data: { 'text/html': '<b>hi</b>' }, metadata: {} },
      { output_type: 'execute_result', data: { 'text/plain': '42' }, metadata: {}, execution_count: 7 },
      { output_type: 'error', ename: 'Error', evalue: 'boom', traceback: ['Error: boom'] },
    ]);
    assert.equal(code(nb, 0).execution_count, 7, 'execution_count comes from iopub content');
  });

  it('takes execution_count from execute_input and leaves it alone when no message carries one', () => {
    const nb = notebook(2);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, msg('execute_input', { code: 'x', execution_count: 3 }));
    assert.equal(code(nb, 0).execution_count, 3);
    assert.deepEqual(code(nb, 0).outputs, [], 'execute_input is not an output');
    acc.beginCell(1);
    acc.handleIopub(1, stream('stdout', 'x'));
    assert.equal(code(nb, 1).execution_count, null, 'no execute_input and no reply yet: nothing to take');
  });

  it('takes execution_count from the execute reply when iopub carried none (tslab), for the cell and its execute_result', () => {
    const nb = notebook(2);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, stream('stdout', 'x'));
    acc.handleIopub(0, msg('execute_result', { data: { 'text/plain': '1' }, metadata: {}, execution_count: null }));
    acc.handleReply(0, msg('execute_reply', { status: 'ok', execution_count: 4 }));
    assert.equal(code(nb, 0).execution_count, 4, 'the HTML shows In [4], not In [ ]');
    assert.equal((code(nb, 0).outputs[1] as { execution_count: number | null }).execution_count, 4, 'Out [4]');
    // a failed cell's reply carries its count too (tslab: status "error", execution_count n)
    acc.beginCell(1);
    acc.handleReply(1, msg('execute_reply', { status: 'error', execution_count: 5 }));
    assert.equal(code(nb, 1).execution_count, 5);
  });

  it('an execution_count from iopub wins over the reply (nbclient), and a reply without one changes nothing', () => {
    const nb = notebook(2);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, msg('execute_input', { code: 'x', execution_count: 3 }));
    acc.handleReply(0, msg('execute_reply', { status: 'ok', execution_count: 9 }));
    assert.equal(code(nb, 0).execution_count, 3);
    code(nb, 1).execution_count = 2; // a stale count from an earlier run of the notebook
    acc.beginCell(1);
    acc.handleReply(1, msg('execute_reply', { status: 'abort' }));
    assert.equal(code(nb, 1).execution_count, 2, 'no count anywhere: left as it was (nbclient)');
  });

  it('clear_output without wait clears at once', () => {
    const nb = notebook(1);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, stream('stdout', 'a'));
    acc.handleIopub(0, msg('clear_output', { wait: false }));
    assert.deepEqual(code(nb, 0).outputs, []);
    acc.handleIopub(0, stream('stdout', 'b'));
    assert.deepEqual(code(nb, 0).outputs, [{ output_type: 'stream', name: 'stdout', text: 'b' }]);
  });

  it('clear_output with wait clears just before the next output, not before', () => {
    const nb = notebook(1);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, stream('stdout', 'frame 1'));
    acc.handleIopub(0, msg('clear_output', { wait: true }));
    assert.equal(code(nb, 0).outputs.length, 1, 'still shown until the next output');
    acc.handleIopub(0, status('idle'));
    acc.handleIopub(0, msg('update_display_data', { data: {}, metadata: {}, transient: { display_id: 'none' } }));
    assert.equal(code(nb, 0).outputs.length, 1, 'status and update_display_data do not trigger the clear');
    acc.handleIopub(0, stream('stdout', 'frame 2'));
    assert.deepEqual(code(nb, 0).outputs, [{ output_type: 'stream', name: 'stdout', text: 'frame 2' }]);
  });

  it('a pending clear(wait) does not leak into the next cell', () => {
    const nb = notebook(2);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, stream('stdout', 'a'));
    acc.handleIopub(0, msg('clear_output', { wait: true }));
    acc.beginCell(1);
    acc.handleIopub(1, stream('stdout', 'b'));
    acc.handleIopub(1, stream('stdout', 'c'));
    assert.equal(code(nb, 1).outputs.length, 2);
    assert.equal(code(nb, 0).outputs.length, 1);
  });

  it('update_display_data rewrites data+metadata of every output with that display_id, across cells, and appends nothing', () => {
    const nb = notebook(2);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, display({ 'text/plain': 'first' }, 'd1'));
    acc.handleIopub(0, display({ 'text/plain': 'other' }, 'd2'));
    acc.handleIopub(0, display({ 'text/plain': 'first again' }, 'd1')); // a second display of d1: updates the first
    assert.deepEqual(
      code(nb, 0).outputs.map((o) => (o as { data: unknown }).data),
      [{ 'text/plain': 'first again' }, { 'text/plain': 'other' }, { 'text/plain': 'first again' }],
    );
    acc.beginCell(1);
    acc.handleIopub(1, update({ 'text/html': '<i>final</i>' }, 'd1'));
    assert.deepEqual(code(nb, 1).outputs, [], 'update_display_data is never an output of its own cell');
    assert.deepEqual(code(nb, 0).outputs[0], {
      output_type: 'display_data',
      data: { 'text/html': '<i>final</i>' },
      metadata: { updated: true },
    });
    assert.deepEqual(code(nb, 0).outputs[2], {
      output_type: 'display_data',
      data: { 'text/html': '<i>final</i>' },
      metadata: { updated: true },
    });
    assert.deepEqual((code(nb, 0).outputs[1] as { data: unknown }).data, { 'text/plain': 'other' });
  });

  it('update_display_data for an unknown display_id is ignored', () => {
    const nb = notebook(1);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, update({ 'text/plain': 'x' }, 'never-shown'));
    assert.deepEqual(code(nb, 0).outputs, []);
  });

  it('an immediate clear_output forgets the cleared outputs for later display updates', () => {
    const nb = notebook(1);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, display({ 'text/plain': 'v1' }, 'd'));
    acc.handleIopub(0, msg('clear_output', { wait: false }));
    acc.handleIopub(0, stream('stdout', 'line'));
    acc.handleIopub(0, update({ 'text/plain': 'v2' }, 'd'));
    assert.deepEqual(code(nb, 0).outputs, [{ output_type: 'stream', name: 'stdout', text: 'line' }]);
  });

  it('execute_result with a display_id is recorded and updatable', () => {
    const nb = notebook(1);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(
      0,
      msg('execute_result', { data: { 'text/plain': '1' }, metadata: {}, execution_count: 1, transient: { display_id: 'r' } }),
    );
    acc.handleIopub(0, update({ 'text/plain': '2' }, 'r'));
    assert.deepEqual(code(nb, 0).outputs, [
      { output_type: 'execute_result', data: { 'text/plain': '2' }, metadata: { updated: true }, execution_count: 1 },
    ]);
  });

  it('records nbclient timing keys from status, execute_input and the reply; idle completes the cell', () => {
    const nb = notebook(1);
    const acc = new OutputAccumulator(nb);
    code(nb, 0).metadata.execution = { stale: 'x' };
    acc.beginCell(0);
    assert.deepEqual(code(nb, 0).metadata.execution, {}, 'cleared before execution');
    assert.equal(acc.handleIopub(0, status('busy', '2026-01-02T03:04:05.100Z')), false);
    acc.handleIopub(0, msg('execute_input', { code: 'x', execution_count: 1 }, '2026-01-02T03:04:05.200Z'));
    acc.handleReply(0, msg('execute_reply', { status: 'ok' }, '2026-01-02T03:04:05.300Z'));
    assert.equal(acc.handleIopub(0, status('idle', '2026-01-02T03:04:05.400Z')), true);
    assert.deepEqual(code(nb, 0).metadata.execution, {
      'iopub.status.busy': '2026-01-02T03:04:05.100000Z',
      'iopub.execute_input': '2026-01-02T03:04:05.200000Z',
      'shell.execute_reply': '2026-01-02T03:04:05.300000Z',
      'iopub.status.idle': '2026-01-02T03:04:05.400000Z',
    });
  });

  it('ignores comm and unknown messages', () => {
    const nb = notebook(1);
    const acc = new OutputAccumulator(nb);
    acc.beginCell(0);
    acc.handleIopub(0, msg('comm_open', { comm_id: 'x', target_name: 't', data: {} }));
    acc.handleIopub(0, msg('something_new', { a: 1 }));
    assert.deepEqual(code(nb, 0).outputs, []);
    assert.equal(outputFromMsg(msg('status', { execution_state: 'busy' })), undefined);
  });
});

describe('nbclientTimestamp', () => {
  it('formats header dates as UTC with microseconds, like nbclient', () => {
    const t = (date: string) => nbclientTimestamp({ header: { msg_type: 'x', date } });
    assert.equal(t('2026-11-25T12:16:06.566Z'), '2026-11-25T12:16:06.566000Z');
    assert.equal(t('2026-11-25T12:16:06.566123Z'), '2026-11-25T12:16:06.566123Z');
    assert.equal(t('2026-11-25T12:16:06.566123+00:00'), '2026-11-25T12:16:06.566123Z');
    assert.equal(t('2026-11-25T14:16:06.5+02:00'), '2026-11-25T12:16:06.500000Z');
    assert.equal(t('2026-11-25T12:16:06Z'), '2026-11-25T12:16:06.000000Z');
  });
  it('falls back to now without a usable date', () => {
    const now = () => new Date('2030-01-01T00:00:00.250Z');
    assert.equal(nbclientTimestamp({ header: { msg_type: 'x' } }, now), '2030-01-01T00:00:00.250000Z');
    assert.equal(nbclientTimestamp({ header: { msg_type: 'x', date: 'garbage' } }, now), '2030-01-01T00:00:00.250000Z');
    assert.equal(nbclientTimestamp(undefined, now), '2030-01-01T00:00:00.250000Z');
  });
});
