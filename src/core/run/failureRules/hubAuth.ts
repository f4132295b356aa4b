// Hugging Face Hub refusals while loading (or pushing): a token where wandb reports, gated, not found (or private),
// not signed in. The id is often only in an earlier exception of the chain (the request's URL) or in transformers'
// wording, so the rules look for it across the whole failure.
import type { FailureContext, FailureInput, FailureRule } from './rule';

/** A Hub id named in a Hub error: in its URL (`/api/models/ORG/NAME/…`, `/ORG/NAME/resolve/…`) or "Access to model X". */
function hubRepoId(text: string): string | undefined {
  const m =
    /Access to model (\S+?) is restricted/.exec(text) ??
    /huggingface\.co\/api\/(?:models|datasets)\/([\w.-]+\/[\w.-]+)/.exec(text) ??
    /huggingface\.co\/(?:datasets\/)?([\w.-]+\/[\w.-]+)\/resolve\//.exec(text);
  return m?.[1];
}

/** The config key whose value is `id`, else the base model's. */
function hubConfigKey(input: FailureInput, id: string | undefined): string {
  for (const dest of ['pretrained_model_name_or_path', 'pretrained_vae_model_name_or_path', 'dataset_name', 'hub_model_id']) {
    if (id !== undefined && input.args?.[dest] === id) return `/args/${dest}`;
  }
  return '/args/pretrained_model_name_or_path';
}

/** Any Hub id the failure names. */
function anyHubId(c: FailureContext): string | undefined {
  return (
    c.find(/(\S+) is not a local folder/)?.[1] ??
    hubRepoId(c.find(/huggingface\.co\/\S+\/(?:resolve|revision)\/.*|Access to model \S+ is restricted.*/)?.[0] ?? '')
  );
}

export const wandbWithHubToken: FailureRule = {
  id: 'wandb-with-hub-token',
  class: 'hub_auth',
  pattern: /You cannot use both --report_to=wandb and --hub_token.*/,
  example: 'ValueError: You cannot use both --report_to=wandb and --hub_token due to a security risk of exposing your token.',
  diagnose: (_c, m) => ({
    message: m![0],
    remedy: 'Do not put hub_token in the config when reporting to wandb; log in with `hf auth login` instead (the token is then read from the cache).',
    configKey: '/args/hub_token',
    fix: { title: 'Remove hub_token', edits: [{ op: 'remove', path: '/args/hub_token' }] },
  }),
};

export const hubGated: FailureRule = {
  id: 'hub-gated',
  class: 'hub_auth',
  pattern: /GatedRepoError.*|Cannot access gated repo.*|Access to model \S+ is restricted.*|You are trying to access a gated repo.*/,
  example:
    'huggingface_hub.errors.GatedRepoError: 403 Client Error. Cannot access gated repo for url https://huggingface.co/org/model/resolve/main/model_index.json.',
  diagnose: (c, m) => {
    const id = hubRepoId(m![0]) ?? anyHubId(c);
    return {
      message: m![0],
      remedy:
        `${id ?? 'The model'} is gated: request access on its Hub page${id ? ` (https://huggingface.co/${id})` : ''} with your account, ` +
        'wait for it to be granted, then sign in with `hf auth login` (or set HF_TOKEN in launch.env) so the training uses that account.',
      configKey: hubConfigKey(c.input, id),
    };
  },
};

export const hubNotFound: FailureRule = {
  id: 'hub-not-found',
  class: 'hub_auth',
  pattern: /RepositoryNotFoundError.*|Repository Not Found for url.*|is not a local folder and is not a valid model identifier.*/,
  example: "OSError: foo/bar is not a local folder and is not a valid model identifier listed on 'https://huggingface.co/models'",
  diagnose: (c, m) => {
    const id = anyHubId(c);
    return {
      message: m![0],
      remedy:
        `Check the id ${id ? `"${id}" ` : ''}(pretrained_model_name_or_path: a Hub id like \`stabilityai/stable-diffusion-xl-base-1.0\` ` +
        'or a local folder; the spelling, the organisation). The Hub answers "not found" for private and gated repos too when ' +
        'the request carries no token: sign in with `hf auth login` (or set HF_TOKEN in launch.env).',
      configKey: hubConfigKey(c.input, id),
    };
  },
};

export const hubUnauthorized: FailureRule = {
  id: 'hub-unauthorized',
  class: 'hub_auth',
  pattern: /401 Client Error.*|403 Client Error.*|Unauthorized.*|Invalid (?:user )?token.*|Invalid credentials in Authorization header.*|not logged in.*/i,
  example: 'huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/repos/create',
  diagnose: (c, m) => ({
    message: m![0],
    remedy:
      'The Hugging Face Hub refused the request: the training is not signed in, or its token is invalid or expired. ' +
      'Sign in with `hf auth login` (or set HF_TOKEN in launch.env); for a gated model, also accept its terms on its Hub page.',
    configKey: /api\/repos\/create|push_to_hub/.test(m![0]) ? '/args/hub_token' : hubConfigKey(c.input, hubRepoId(m![0])),
  }),
};
