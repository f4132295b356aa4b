// A `--dataset_name` on the Hub, checked from its file listing only (nothing is downloaded): whether it holds image
// files or data files (parquet, arrow, csv, json) load_dataset can read, and whether image folders carry a
// metadata.jsonl. A Hub that cannot be reached is an info: the check says what it could not see, never an error.
import { listFiles } from '@huggingface/hub';
import { hubClient, type HubAccess } from '../hub/hubAccess';
import { isImagefolderImage } from './imageFormats';
import type { DatasetFinding } from './types';

/** Files listed at most: a dataset of millions of images is judged from its first files. */
const MAX_LISTED = 100_000;

export async function checkHubDataset(id: string, access: HubAccess, signal?: AbortSignal): Promise<DatasetFinding[]> {
  const hub = hubClient(access);
  const where = `${access.hubUrl.replace(/\/+$/, '')}/datasets/${id}`;
  let images = 0;
  let dataFiles = 0;
  let metadata = 0;
  let listed = 0;
  try {
    await hub.call(id, `the file list of dataset ${id}`, async () => {
      for await (const f of listFiles({
        repo: { type: 'dataset', name: id },
        recursive: true,
        hubUrl: hub.hubUrl,
        fetch: hub.fetch,
        ...(hub.accessToken ? { accessToken: hub.accessToken } : {}),
      })) {
        if (signal?.aborted || ++listed > MAX_LISTED) break;
        if (f.type !== 'file') continue;
        const name = f.path.split('/').pop() ?? f.path;
        if (name === 'metadata.jsonl' || name === 'metadata.csv') metadata++;
        else if (isImagefolderImage(name)) images++;
        else if (/\.(parquet|arrow|csv|jsonl?|tsv|txt|tar|zip)$/i.test(name)) dataFiles++;
      }
    });
  } catch (e) {
    return [
      {
        code: 'hub-dataset',
        severity: 'info',
        file: where,
        message: `Hub dataset ${id} not checked: ${e instanceof Error ? e.message : String(e)}`,
      },
    ];
  }
  const out: DatasetFinding[] = [];
  if (images === 0 && dataFiles === 0) {
    out.push({
      code: 'hub-dataset',
      severity: 'warning',
      file: where,
      message: `Hub dataset ${id} lists no image files and no data files (parquet, arrow, csv, json): load_dataset will find nothing to train on`,
      fix: 'Check the dataset id, or use a local folder with train_data_dir',
    });
  } else if (images > 0 && metadata === 0 && dataFiles === 0) {
    out.push({
      code: 'missing-metadata',
      severity: 'error',
      file: where,
      message: `Hub dataset ${id} holds ${images} image file(s) but no metadata.jsonl: it loads with an image column only, and the script stops on the missing caption column`,
      fix: 'Add a metadata.jsonl with file_name and a caption column to the dataset',
    });
  } else {
    out.push({
      code: 'hub-dataset',
      severity: 'info',
      file: where,
      message: `Hub dataset ${id}: ${images} image file(s), ${dataFiles} data file(s)${metadata ? `, ${metadata} metadata file(s)` : ''}${listed > MAX_LISTED ? ` (first ${MAX_LISTED} files)` : ''}; its images are checked only once downloaded`,
    });
  }
  return out;
}
