// Commands that tell runs apart: rename a run, edit its note and tags (labels.json, core/supervisor/runLabels.ts), and
// filter and group the Runs view (core/view/runFilter.ts).
import * as vscode from 'vscode';
import { labelledName } from '../../core/view/runList';
import { nameProblem, noteProblem, tagProblem, MAX_TAGS } from '../../core/supervisor/runLabels';
import { GROUP_BYS, STATE_GROUPS, knownTags, type GroupBy, type StateGroup } from '../../core/view/runFilter';
import type { RunsController } from './runsController';
import type { RunsView } from '../views/runsView';
import { resolveRunId } from './runCommands';
import type { CommandHandler } from '../commandTable';

export function runLabelCommands(runs: RunsController, view: RunsView): Record<string, CommandHandler> {
  const allTags = () => knownTags(runs.runs().map((r) => ({ tags: r.state.labels?.tags ?? [] })));
  return {
    'sdxl.renameRun': async (arg?: unknown) => {
      const id = await resolveRunId(runs, arg);
      const run = id ? runs.get(id) : undefined;
      if (!id || !run) return;
      const current = labelledName(run.entry.record.name, run.state);
      const name = await vscode.window.showInputBox({
        title: `Rename run ${id}`,
        prompt: `Leave empty to go back to the config's name ("${run.entry.record.name}").`,
        value: current,
        validateInput: (v) => (v.trim() ? nameProblem(v) : undefined),
      });
      if (name === undefined) return;
      await runs.editLabels(id, { name: name.trim() || null });
    },
    'sdxl.editRunNote': async (arg?: unknown) => {
      const id = await resolveRunId(runs, arg);
      const run = id ? runs.get(id) : undefined;
      if (!id || !run) return;
      const note = await vscode.window.showInputBox({
        title: `Note for run ${runs.displayName(id)}`,
        prompt: 'What this run tried, what came of it. Leave empty to remove the note.',
        value: run.state.labels?.note ?? '',
        validateInput: (v) => noteProblem(v),
      });
      if (note === undefined) return;
      await runs.editLabels(id, { note });
    },
    'sdxl.editRunTags': async (arg?: unknown) => {
      const id = await resolveRunId(runs, arg);
      const run = id ? runs.get(id) : undefined;
      if (!id || !run) return;
      const tags = await pickTags(allTags(), run.state.labels?.tags ?? [], runs.displayName(id));
      if (tags) await runs.editLabels(id, { tags });
    },
    'sdxl.filterRuns': async () => {
      type Item = vscode.QuickPickItem & { apply?: () => Promise<void> };
      const { filter } = view.filterChoice;
      const items: Item[] = [
        {
          label: '$(search) By text…',
          description: filter.text ? `now "${filter.text}"` : 'name, id, config, tag or note',
          apply: async () => {
            const text = await vscode.window.showInputBox({
              title: 'Filter runs by text',
              value: filter.text ?? '',
              prompt: 'Words that must all occur; empty for none.',
            });
            if (text !== undefined) await view.setChoice({ filter: { ...filter, text } });
          },
        },
        { label: 'State', kind: vscode.QuickPickItemKind.Separator },
        ...STATE_GROUPS.map((s: StateGroup) => ({
          label: `${filter.state === s ? '$(check) ' : ''}${s}`,
          description: 'state',
          apply: () => view.setChoice({ filter: { ...filter, state: filter.state === s ? undefined : s } }),
        })),
        { label: 'Tag', kind: vscode.QuickPickItemKind.Separator },
        ...allTags().map((t) => ({
          label: `${filter.tag?.toLowerCase() === t.toLowerCase() ? '$(check) ' : ''}#${t}`,
          description: 'tag',
          apply: () => view.setChoice({ filter: { ...filter, tag: filter.tag?.toLowerCase() === t.toLowerCase() ? undefined : t } }),
        })),
        { label: '', kind: vscode.QuickPickItemKind.Separator },
        { label: '$(clear-all) Clear Filter', apply: () => view.setChoice({ filter: {} }) },
      ];
      const pick = await vscode.window.showQuickPick(items, {
        title: 'Filter the Runs view',
        placeHolder: 'Pick a state or tag (again to remove it), or filter by text',
      });
      await pick?.apply?.();
    },
    'sdxl.groupRuns': async () => {
      const now = view.filterChoice.groupBy;
      const labels: Record<GroupBy, string> = { none: 'No groups', config: 'By config', state: 'By state', tag: 'By tag' };
      const pick = await vscode.window.showQuickPick(
        GROUP_BYS.map((g) => ({ label: `${g === now ? '$(check) ' : ''}${labels[g]}`, groupBy: g })),
        { title: 'Group the Runs view' },
      );
      if (pick) await view.setChoice({ groupBy: pick.groupBy });
    },
    'sdxl.clearRunsFilter': () => view.setChoice({ filter: {}, groupBy: 'none' }),
  };
}

/** The tags of a run: the known ones to tick, and new ones typed (comma-separated) in the same box. */
async function pickTags(known: readonly string[], current: readonly string[], runName: string): Promise<string[] | undefined> {
  type Item = vscode.QuickPickItem & { tag: string };
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = `Tags of ${runName}`;
  qp.placeholder = 'Tick tags, or type new ones (comma-separated) and press Enter';
  qp.canSelectMany = true;
  const base = [...new Set([...known, ...current])].sort((a, b) => a.localeCompare(b));
  const itemsFor = (typed: string[]): Item[] =>
    [...typed.filter((t) => !base.some((b) => b.toLowerCase() === t.toLowerCase())), ...base].map((t) => ({ label: t, tag: t }));
  const typedTags = () =>
    qp.value
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  qp.items = itemsFor([]);
  qp.selectedItems = qp.items.filter((i) => current.some((c) => c.toLowerCase() === i.tag.toLowerCase()));
  return new Promise<string[] | undefined>((resolve) => {
    let done = false;
    qp.onDidChangeValue(() => {
      const selected = new Set(qp.selectedItems.map((i) => i.tag.toLowerCase()));
      const typed = typedTags();
      qp.items = itemsFor(typed);
      qp.selectedItems = qp.items.filter((i) => selected.has(i.tag.toLowerCase()));
      // QuickPick has no validation message in the stable API: the problem is shown in the title.
      const bad = typed.map(tagProblem).find(Boolean);
      qp.title = bad ? `Tags of ${runName}: ${bad}` : `Tags of ${runName}`;
    });
    qp.onDidAccept(() => {
      const typed = typedTags();
      if (typed.map(tagProblem).some(Boolean)) return;
      const tags = [...qp.selectedItems.map((i) => i.tag), ...typed];
      const unique = [...new Map(tags.map((t) => [t.toLowerCase(), t])).values()];
      if (unique.length > MAX_TAGS) {
        qp.title = `Tags of ${runName}: ${unique.length} tags (at most ${MAX_TAGS})`;
        return;
      }
      done = true;
      resolve(unique);
      qp.hide();
    });
    qp.onDidHide(() => {
      if (!done) resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}
