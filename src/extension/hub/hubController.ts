// The Hub in the editor: which token is used (signed in here, kept in SecretStorage; else $HF_TOKEN or the CLI's
// token file), the checks of the ids an open config names (the diagnostics re-validate when answers arrive), a
// language status item that says when the Hub was not reached, and completion of ids from Hub search. A Hub request
// is network access decided by a file's content, so none is made in an untrusted workspace.
import * as vscode from 'vscode';
import { readdirSync } from 'node:fs';
import { parseConfigText } from '../../core/config/config';
import { hubEndpoint } from '../../core/hub/endpoint';
import { answerTtl, HubChecker, type HubAccess, type HubCheck } from '../../core/hub/hubCheck';
import { gatherHubFacts, hubIdsOf, type HubFacts } from '../../core/hub/hubFacts';
import { hubKey } from '../../core/hub/hubRefs';
import { HubSearch } from '../../core/hub/hubSearch';
import { hubIdSlotAt } from '../../core/hub/idCompletion';
import { describeTokenSource, hubStatusDetail, resolveHubToken, type HubToken } from '../../core/hub/token';
import { tokenOwner } from '../../core/hub/whoami';
import type { KnownSecrets } from '../../core/util/redact';
import { isConfigDocument } from '../configDocuments';
import { logFailure, type Log } from '../listenerErrors';
import { onDidChangeSettings, setting } from '../settings';
import { errText } from '../../core/util/errText';

const SELECTOR: vscode.DocumentSelector = { pattern: '**/*.sdxl.json' };
/** The SecretStorage key of the signed-in token. */
export const HUB_TOKEN_SECRET = 'sdxl.huggingFaceToken';
/** Typing an id: check it once typing pauses, not at every letter. */
const CHECK_DELAY_MS = 600;
/** Completion: search once typing pauses briefly (a newer keystroke cancels the older request). */
const SEARCH_DELAY_MS = 150;
/** Larger configs are not read on the extension host for their ids (real configs are a few KB). */
const MAX_TEXT = 512 * 1024;

function listDir(abs: string): string[] | undefined {
  try {
    return readdirSync(abs);
  } catch {
    return undefined;
  }
}

export class HubController implements vscode.Disposable {
  private readonly checker = new HubChecker();
  private readonly searcher = new HubSearch();
  private readonly arrived = new vscode.EventEmitter<string>();
  /** Hub answers for a config (by URI) arrived: check it again. */
  readonly onDidChangeFacts = this.arrived.event;
  private readonly status = vscode.languages.createLanguageStatusItem('sdxl.hub', SELECTOR);
  private token: Promise<HubToken | undefined>;
  /** Answers by endpoint + hubKey, for the current token. */
  private readonly answers = new Map<string, { check: HubCheck; at: number }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Why the Hub was not reached for each config (by URI), for the status item. */
  private readonly notReached = new Map<string, string>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly secretStorage: vscode.SecretStorage,
    private readonly known: KnownSecrets,
    private readonly log: Log = () => undefined,
  ) {
    this.token = this.readToken();
    this.status.name = 'SDXL Hugging Face Hub';
    this.subscriptions.push(
      this.arrived,
      this.status,
      secretStorage.onDidChange((e) => {
        if (e.key === HUB_TOKEN_SECRET) this.tokenChanged();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.everyConfig()),
      onDidChangeSettings((changed) => {
        if (!changed.has('hub.checkIds')) return;
        this.everyConfig();
        void this.showStatus(vscode.window.activeTextEditor?.document);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        const key = d.uri.toString();
        clearTimeout(this.timers.get(key));
        this.timers.delete(key);
        this.notReached.delete(key);
      }),
      vscode.window.onDidChangeActiveTextEditor((e) => this.showStatus(e?.document)),
      vscode.languages.registerCompletionItemProvider(SELECTOR, { provideCompletionItems: (doc, pos, ct) => this.complete(doc, pos, ct) }, '"', '/'),
    );
    void this.showStatus(vscode.window.activeTextEditor?.document);
  }

  private async readToken(): Promise<HubToken | undefined> {
    let signedIn: string | undefined;
    try {
      signedIn = await this.secretStorage.get(HUB_TOKEN_SECRET);
    } catch (e) {
      this.log(`Reading the signed-in Hugging Face token failed: ${errText(e)}`);
    }
    const token = resolveHubToken({ signedIn });
    // Masked in every log and message from now on.
    if (token) this.known.add([token.value]);
    return token;
  }

  /** The token in use (signed in, $HF_TOKEN or the CLI's token file), for downloads. */
  async tokenValue(): Promise<string | undefined> {
    return (await this.token)?.value;
  }

  private async access(): Promise<HubAccess> {
    const token = await this.token;
    return { endpoint: hubEndpoint(), ...(token ? { token: token.value } : {}) };
  }

  private tokenChanged(): void {
    this.token = this.readToken();
    // What a token may read differs: every answer is asked again.
    this.answers.clear();
    this.checker.clear();
    this.everyConfig();
  }

  private everyConfig(): void {
    for (const d of vscode.workspace.textDocuments) if (isConfigDocument(d)) this.arrived.fire(d.uri.toString());
    void this.showStatus(vscode.window.activeTextEditor?.document);
  }

  /**
   * The Hub answers known now for the ids the config names; never waits for the Hub. Ids without a fresh answer are
   * checked once typing pauses, and onDidChangeFacts fires when their answers arrive.
   */
  current(doc: vscode.TextDocument): HubFacts | undefined {
    if (!vscode.workspace.isTrusted || !setting('hub.checkIds')) return undefined;
    const ids = this.idsOf(doc);
    if (!ids) return undefined;
    const endpoint = hubEndpoint();
    const checks: Record<string, HubCheck> = {};
    let stale = false;
    const now = Date.now();
    for (const [kind, id] of ids) {
      const a = this.answers.get(`${endpoint}\0${hubKey(kind, id)}`);
      if (a && now - a.at < answerTtl(a.check)) checks[hubKey(kind, id)] = a.check;
      else stale = true;
    }
    if (stale) this.schedule(doc);
    return { endpoint, checks };
  }

  private idsOf(doc: vscode.TextDocument): Array<['model' | 'dataset', string]> | undefined {
    if (!isConfigDocument(doc)) return undefined;
    const text = doc.getText();
    if (text.length > MAX_TEXT) return undefined;
    const config = parseConfigText(text).config;
    return config ? hubIdsOf(config, doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined, listDir) : undefined;
  }

  private schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    // Restarted at each edit: an id being typed is checked once, when typing pauses.
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (!doc.isClosed) logFailure('Checking ids on the Hub', this.log, this.checkNow(doc));
      }, CHECK_DELAY_MS),
    );
  }

  private async checkNow(doc: vscode.TextDocument): Promise<void> {
    const ids = this.idsOf(doc);
    if (!ids || ids.length === 0 || !vscode.workspace.isTrusted || !setting('hub.checkIds')) return;
    const access = await this.access();
    const facts = await gatherHubFacts(this.checker, access, ids);
    const now = Date.now();
    for (const [key, check] of Object.entries(facts.checks)) this.answers.set(`${access.endpoint}\0${key}`, { check, at: now });
    const missed = Object.values(facts.checks).find((c) => c.status === 'unreachable');
    const docKey = doc.uri.toString();
    if (missed) {
      this.notReached.set(docKey, missed.reason ?? 'no answer');
      this.log(`The Hub (${access.endpoint}) was not reached: ${missed.reason ?? 'no answer'}; ids in ${doc.uri.fsPath} not checked`);
    } else this.notReached.delete(docKey);
    this.arrived.fire(docKey);
    if (vscode.window.activeTextEditor?.document === doc) await this.showStatus(doc);
  }

  private async showStatus(doc: vscode.TextDocument | undefined): Promise<void> {
    const token = await this.token;
    const missed = doc ? this.notReached.get(doc.uri.toString()) : undefined;
    if (!vscode.workspace.isTrusted || !setting('hub.checkIds')) {
      this.status.text = 'Hub: not checked';
      this.status.detail = vscode.workspace.isTrusted ? 'sdxl.hub.checkIds is off: no Hub requests for configs' : 'untrusted workspace: no Hub requests';
      this.status.severity = vscode.LanguageStatusSeverity.Information;
    } else if (missed) {
      this.status.text = 'Hub: not reached (offline?)';
      this.status.detail = `${hubEndpoint()}: ${missed}. Model and dataset ids are not checked.`;
      this.status.severity = vscode.LanguageStatusSeverity.Warning;
    } else {
      this.status.text = token ? 'Hub: token in use' : 'Hub: no token';
      this.status.detail = hubStatusDetail(hubEndpoint(), token);
      this.status.severity = vscode.LanguageStatusSeverity.Information;
    }
    this.status.command = token?.source === 'signed-in' ? { title: 'Sign Out', command: 'sdxl.hubSignOut' } : { title: 'Sign In', command: 'sdxl.hubSignIn' };
  }

  private async complete(doc: vscode.TextDocument, pos: vscode.Position, ct: vscode.CancellationToken): Promise<vscode.CompletionList | undefined> {
    if (!vscode.workspace.isTrusted || !setting('hub.checkIds')) return undefined;
    const text = doc.getText();
    if (text.length > MAX_TEXT) return undefined;
    const slot = hubIdSlotAt(text, doc.offsetAt(pos));
    if (!slot) return undefined;
    const range = new vscode.Range(doc.positionAt(slot.start), doc.positionAt(slot.end));
    if (slot.typed.trim().length < 2) return new vscode.CompletionList([], true);
    await new Promise((r) => setTimeout(r, SEARCH_DELAY_MS));
    if (ct.isCancellationRequested) return undefined;
    const abort = new AbortController();
    const sub = ct.onCancellationRequested(() => abort.abort());
    try {
      const found = await this.searcher.search(await this.access(), slot.kind, slot.typed, abort.signal);
      const items = found.ids.map((id, i) => {
        const item = new vscode.CompletionItem(id, slot.kind === 'dataset' ? vscode.CompletionItemKind.Folder : vscode.CompletionItemKind.Module);
        item.detail = slot.kind === 'dataset' ? 'Hub dataset' : 'Hub model';
        item.range = range;
        item.filterText = id;
        // The Hub's order (most downloaded first), not the alphabet.
        item.sortText = String(i).padStart(3, '0');
        return item;
      });
      // Incomplete: the next letter searches again.
      return new vscode.CompletionList(items, true);
    } finally {
      sub.dispose();
    }
  }

  /** "SDXL: Sign in to Hugging Face": a token, checked with the Hub, kept in SecretStorage. */
  async signIn(): Promise<void> {
    const endpoint = hubEndpoint();
    const value = await vscode.window.showInputBox({
      title: 'Sign in to Hugging Face',
      prompt: `An access token (${endpoint}/settings/tokens), kept in VS Code's secret storage, never in configs or run records`,
      placeHolder: 'hf_…',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'Paste a token' : /\s/.test(v.trim()) ? 'A token has no spaces' : undefined),
    });
    const token = value?.trim();
    if (!token) return;
    this.known.add([token]);
    const who = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking the token with the Hub…' }, () =>
      tokenOwner(endpoint, token),
    );
    if (!who.ok && who.refused) {
      void vscode.window.showErrorMessage(`The Hub (${endpoint}) refused this token: it is invalid or expired. Nothing was stored.`);
      return;
    }
    if (!who.ok) {
      const store = 'Store It Anyway';
      const pick = await vscode.window.showWarningMessage(`The Hub (${endpoint}) was not reached to check the token: ${who.reason}.`, store);
      if (pick !== store) return;
    }
    await this.secretStorage.store(HUB_TOKEN_SECRET, token);
    this.tokenChanged();
    void vscode.window.showInformationMessage(
      who.ok ? `Signed in to Hugging Face as ${who.name}.` : 'Hugging Face token stored (not checked: the Hub was not reached).',
    );
  }

  /** "SDXL: Sign out of Hugging Face": forgets the stored token; says which token (if any) applies now. */
  async signOut(): Promise<void> {
    const had = await this.secretStorage.get(HUB_TOKEN_SECRET);
    await this.secretStorage.delete(HUB_TOKEN_SECRET);
    this.tokenChanged();
    const now = await this.token;
    const rest = now ? ` Still in use: ${describeTokenSource(now)}.` : '';
    void vscode.window.showInformationMessage(`${had ? 'Signed out of Hugging Face.' : 'You were not signed in here.'}${rest}`);
  }

  /** The token to use now and where it came from (the value for launches only; never shown). */
  currentToken(): Promise<HubToken | undefined> {
    return this.token;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}
