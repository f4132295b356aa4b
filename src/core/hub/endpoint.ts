// The Hub's address, chosen as the Python libraries choose it (huggingface_hub's constants.ENDPOINT): $HF_ENDPOINT,
// else huggingface.co. A mirror or a test server set there is what the scripts will download from, so the editor
// checks ids against the same place.
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export function hubEndpoint(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const v = env.HF_ENDPOINT?.trim();
  return (v ? v : DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
}

/** The web page of a repo (where access to a gated model is requested). */
export function repoPage(endpoint: string, kind: 'model' | 'dataset', id: string): string {
  return `${endpoint}/${kind === 'dataset' ? 'datasets/' : ''}${id}`;
}
