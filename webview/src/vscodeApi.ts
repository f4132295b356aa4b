// The webview side of the VS Code API: typed, validated posting, and a stand-in when run outside VS Code.
import { checkWebviewMessage, type WebviewMessage } from '../../src/shared/dashboardProtocol';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** acquireVsCodeApi may be called only once per page; this caches it. */
let api: VsCodeApi | undefined;
export function vscodeApi(): VsCodeApi {
  if (!api) {
    api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };
  }
  return api;
}

/** The state a panel stored with setState, as an object to check field by field; undefined when none is readable. */
export function storedState(api: VsCodeApi): Record<string, unknown> | undefined {
  let raw: unknown;
  try {
    raw = api.getState();
  } catch {
    // No saved state (or none readable) is a fresh panel: the defaults apply.
    return undefined;
  }
  return typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : undefined;
}

/** Posts a message to the host; an invalid one is a bug here, so it is logged and dropped rather than sent. */
export function post(message: WebviewMessage): void {
  const err = checkWebviewMessage(message);
  if (err) {
    console.error(`dashboard: not sending invalid message: ${err}`);
    return;
  }
  vscodeApi().postMessage(message);
}
