// The Runs view's filter and grouping model and the run quick pick fields (core/view/runFilter.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  configTitle,
  decodeRunsViewChoice,
  describeFilter,
  groupRuns,
  knownTags,
  matchesFilter,
  pickTime,
  runPickFields,
  stateGroup,
  type RunFilterItem,
} from '../../src/core/view/runFilter';
import { RUN_PICK_MATCHING, runPickItem } from '../../src/extension/runs/runPick';
import type { RunsController, RunView } from '../../src/extension/runs/runsController';
import { initialRunState } from '../../src/core/run/state';

const runs: RunFilterItem[] = [
  { id: 'r1', name: 'sweep lr 1e-4', configPath: '/ws/configs/lora.sdxl.json', state: 'finished', tags: ['best', 'sweep'], createdAt: '2026-11-29T10:00:00Z' },
  {
    id: 'r2',
    name: 'sweep lr 5e-4',
    configPath: '/ws/configs/lora.sdxl.json',
    state: 'failed',
    tags: ['Sweep'],
    note: 'NaN at step 300',
    createdAt: '2026-11-29T11:00:00Z',
  },
  { id: 'r3', name: 'full finetune', configPath: 'C:\\ws\\full.sdxl.json', state: 'training', tags: [], createdAt: '2026-11-29T12:00:00Z' },
  { id: 'r4', name: 'queued one', state: 'queued', tags: [], createdAt: '2026-11-29T13:00:00Z' },
];
const ids = (items: readonly RunFilterItem[]) => items.map((r) => r.id);

test('filter by text (all words, in name, id, config, #tag or note), state and tag (case-insensitive)', () => {
  assert.deepEqual(ids(runs.filter((r) => matchesFilter(r, {}))), ['r1', 'r2', 'r3', 'r4']);
  assert.deepEqual(ids(runs.filter((r) => matchesFilter(r, { text: 'sweep 5e-4' }))), ['r2']);
  assert.deepEqual(ids(runs.filter((r) => matchesFilter(r, { text: 'nan' }))), ['r2'], 'the note is searched');
  assert.deepEqual(ids(runs.filter((r) => matchesFilter(r, { text: '#best' }))), ['r1']);
  assert.deepEqual(ids(runs.filter((r) => matchesFilter(r, { text: 'full' }))), ['r3'], 'a Windows config path titles too');
  assert.deepEqual(ids(runs.filter((r) => matchesFilter(r, { text: 'R4' }))), ['r4']);
  assert.deepEqual(ids(runs.filter((r) => matchesFilter(r, { state: 'running' }))), ['r3'], 'every live phase is running');
  assert.deepEqual(ids(runs.filter((r) => matchesFilter(r, { tag: 'SWEEP' }))), ['r1', 'r2']);
  assert.deepEqual(ids(runs.filter((r) => matchesFilter(r, { tag: 'sweep', state: 'failed' }))), ['r2']);
  assert.equal(stateGroup('validating'), 'running');
});

test('group by config, state and tag: stable keys, sorted titles, a run in each of its tags, the untagged last', () => {
  const byConfig = groupRuns(runs, 'config');
  assert.deepEqual(
    byConfig.map((g) => [g.title, ids(g.items)]),
    [
      ['full', ['r3']],
      ['lora', ['r1', 'r2']],
      ['(no config)', ['r4']],
    ],
  );
  assert.deepEqual(
    groupRuns(runs, 'state').map((g) => g.title),
    ['running', 'queued', 'finished', 'failed'],
  );
  const byTag = groupRuns(runs, 'tag');
  assert.deepEqual(
    byTag.map((g) => [g.key, g.title, ids(g.items)]),
    [
      ['tag:best', '#best', ['r1']],
      ['tag:sweep', '#sweep', ['r1', 'r2']],
      ['tag:', '(no tag)', ['r3', 'r4']],
    ],
  );
  assert.equal(configTitle(undefined), '(no config)');
});

test('the filter and grouping kept in workspace state decode leniently and describe themselves', () => {
  assert.deepEqual(decodeRunsViewChoice(undefined), { filter: {}, groupBy: 'none' });
  assert.deepEqual(decodeRunsViewChoice({ filter: { text: ' lr ', state: 'bogus', tag: 'best' }, groupBy: 'tag' }), {
    filter: { text: 'lr', tag: 'best' },
    groupBy: 'tag',
  });
  assert.deepEqual(decodeRunsViewChoice({ filter: 'x', groupBy: 'color' }), { filter: {}, groupBy: 'none' });
  assert.equal(describeFilter({ text: 'lr', state: 'failed', tag: 'best' }, 'config'), '"lr" · failed · #best · by config');
  assert.equal(describeFilter({}, 'none'), '');
  assert.deepEqual(knownTags(runs), ['best', 'sweep']);
});

test('a run quick pick shows name, id, start time, state and tags, so typing any of them finds it', () => {
  const f = runPickFields({
    id: '20261129-101500-lora',
    name: 'sweep lr 1e-4',
    createdAt: '2026-11-29T10:15:00Z',
    tags: ['best', 'sweep'],
    summary: 'finished at step 40',
  });
  assert.equal(f.label, 'sweep lr 1e-4');
  assert.ok(f.description.includes('20261129-101500-lora'));
  assert.ok(f.description.includes(pickTime('2026-11-29T10:15:00Z')));
  assert.match(pickTime('2026-11-29T10:15:00Z'), /^2026-11-29 \d\d:15$/);
  assert.equal(f.detail, 'finished at step 40 · #best · #sweep');
  assert.equal(runPickFields({ id: 'x', name: 'n', createdAt: 'nope', tags: [], summary: '' }).description, 'x');
});

test("the editor's run picks: the shown (renamed) name, id and time searched, tags in the detail", () => {
  const state = { ...initialRunState(), state: 'finished' as const, step: 40, labels: { name: 'renamed', tags: ['best'] } };
  const view = { id: '20261129-101500-lora', state, entry: { record: { name: 'lora', createdAt: '2026-11-29T10:15:00Z' } } } as unknown as RunView;
  const runs = { displayName: (id: string) => (id === view.id ? 'renamed' : id) } as unknown as RunsController;
  const item = runPickItem(runs, view);
  assert.equal(item.label, 'renamed');
  assert.equal(item.id, view.id);
  assert.match(item.description!, /^20261129-101500-lora · 2026-11-29 \d\d:15$/);
  assert.equal(item.detail, 'finished at step 40 · #best');
  assert.deepEqual(RUN_PICK_MATCHING, { matchOnDescription: true, matchOnDetail: true });
});
