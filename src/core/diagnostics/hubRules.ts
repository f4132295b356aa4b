// The models and datasets a config names: a local folder is checked on disk (a base model needs model_index.json, a
// VAE config.json), a Hub id against the answers of the Hub checks (core/hub/hubCheck.ts) that the editor or
// `validate --hub` gathered beforehand and pass in as plain data. No answer, or "the Hub was not reached", is no
// diagnostic: being offline must never look like a wrong id.
import { pathToPointer, type SdxlConfig } from '../config/config';
import { repoPage } from '../hub/endpoint';
import type { HubFacts } from '../hub/hubFacts';
import { hubKey, hubRefsOf, type HubRef } from '../hub/hubRefs';
import type { DiagnosticSink, ValidateContext } from './types';

export type { HubFacts };

const SIGN_IN = 'Sign in to Hugging Face (command "SDXL: Sign in to Hugging Face", or set HF_TOKEN)';

export function checkHubRefs(config: SdxlConfig, sink: DiagnosticSink, ctx: ValidateContext): void {
  for (const ref of hubRefsOf(config, ctx.configPath, ctx.listDir)) {
    if (ref.ref.kind === 'path') checkFolder(ref, sink, ctx);
    else if (ctx.hub) checkOnHub(ref, ref.ref.id, ctx.hub, sink);
  }
}

function checkFolder(ref: HubRef, sink: DiagnosticSink, ctx: ValidateContext): void {
  if (!ctx.listDir || !ref.abs) return;
  const ptr = pathToPointer(['args', ref.dest]);
  const entries = ctx.listDir(ref.abs);
  if (!entries) {
    const tilde = ref.value.startsWith('~') ? ' (`~` is not expanded: the run starts without a shell; write the full path)' : '';
    sink.add(
      'error',
      ref.kind === 'dataset' ? 'dataset-folder-missing' : 'model-folder-missing',
      ptr,
      `${ref.dest} ${ref.abs} is not a folder${tilde}, nor a Hub id (org/name): the script cannot load the ${ref.what}.`,
    );
  } else if (ref.needs && !entries.includes(ref.needs)) {
    sink.add(
      'error',
      'model-folder-invalid',
      ptr,
      `${ref.dest} ${ref.abs} holds no ${ref.needs}: it is not a diffusers ${ref.what} folder (save one with save_pretrained, or use a Hub id).`,
    );
  }
}

function checkOnHub(ref: HubRef, id: string, hub: HubFacts, sink: DiagnosticSink): void {
  const check = hub.checks[hubKey(ref.kind, id)];
  if (!check) return;
  const ptr = pathToPointer(['args', ref.dest]);
  const noun = `${ref.kind === 'dataset' ? 'Dataset' : ref.what === 'VAE' ? 'VAE' : 'Model'} "${id}"`;
  const page = repoPage(hub.endpoint, ref.kind, id);
  switch (check.status) {
    case 'exists':
    case 'unreachable':
      return;
    case 'not-found':
      sink.add(
        'error',
        'hub-not-found',
        ptr,
        `${noun} does not exist on the Hub (${hub.endpoint}), or is private to an account your token cannot read: check the id.`,
      );
      return;
    case 'unauthorized':
      if (check.tokenRefused) {
        sink.add(
          'error',
          'hub-unauthorized',
          ptr,
          `The Hub refused your Hugging Face token (invalid or expired), so ${noun} could not be checked and the run's download would fail. ${SIGN_IN} with a valid token.`,
        );
      } else if (check.withToken) {
        sink.add(
          'error',
          'hub-unauthorized',
          ptr,
          `Your Hugging Face token may not read ${noun} (a token without read access?). ${SIGN_IN} with a token that can read it.`,
        );
      } else {
        sink.add('warning', 'hub-unauthorized', ptr, `${noun} was not found without a token: it does not exist, or it is private. ${SIGN_IN} to tell which.`);
      }
      return;
    case 'gated':
      sink.add(
        check.withToken ? 'error' : 'warning',
        'hub-gated',
        ptr,
        check.withToken
          ? `${noun} is gated and your account has not been granted access: request access on ${page}, then try again.`
          : `${noun} is gated: request access on ${page}, then ${SIGN_IN.charAt(0).toLowerCase()}${SIGN_IN.slice(1)} with that account.`,
      );
      return;
  }
}
