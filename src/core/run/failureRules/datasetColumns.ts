// The training data is missing or does not fit the script.
import { profileOfRecorded } from '../../scripts/profiles';
import type { FailureRule } from './rule';

export const columnNotFound: FailureRule = {
  id: 'column-not-found',
  class: 'dataset_columns',
  pattern: /--(caption|image)_column' value '([^']*)' needs to be one of: (.*)/,
  example: "ValueError: --caption_column' value 'text' needs to be one of: image",
  diagnose: (c, m) => {
    const which = m![1]!;
    return {
      message: m![0],
      remedy:
        `The dataset has no column '${m![2]}' (its columns: ${m![3]}). With train_data_dir this usually means metadata.jsonl is ` +
        'missing or misnamed: add one line per image like {"file_name": "0001.png", "text": "a caption"}' +
        (profileOfRecorded(c.input.script)?.fixedColumns ? '. The full script also hard-codes the column names image and text.' : `, or set ${which}_column.`),
      configKey: `/args/${which}_column`,
    };
  },
};

export const imagesRootMissing: FailureRule = {
  id: 'images-root-missing',
  class: 'dataset_columns',
  pattern: /Instance images root doesn't exists?.*|Class images root doesn't exists?.*/,
  example: "ValueError: Instance images root doesn't exists.",
  // DreamBooth's DreamBoothDataset, raised only after every model has loaded (the real v0.27.2 run showed it).
  diagnose: (c, m) => {
    const cls = /^.*Class images root/.test(m![0]);
    const dest = cls ? 'class_data_dir' : 'instance_data_dir';
    const dir = c.input.args?.[dest];
    return {
      message: m![0],
      remedy:
        `The ${dest} folder${typeof dir === 'string' && dir ? ` (${dir})` : ''} does not exist as the script resolves it (against the run's ` +
        'working folder when relative). Point it at the folder that holds your training images, or create it and put the images there.',
      configKey: `/args/${dest}`,
    };
  },
};

export const noDataset: FailureRule = {
  id: 'no-dataset',
  class: 'dataset_columns',
  pattern: /Need either a dataset name or a training folder.*/,
  example: 'ValueError: Need either a dataset name or a training folder.',
  diagnose: (c, m) => ({
    message: m![0],
    remedy: 'Set dataset_name (a Hub dataset) or train_data_dir (an image folder with metadata.jsonl).',
    configKey: `/args/${profileOfRecorded(c.input.script)?.datasetArg ?? 'train_data_dir'}`,
  }),
};

export const columnToRemove: FailureRule = {
  id: 'column-to-remove',
  class: 'dataset_columns',
  pattern: /Column to remove .* not in the dataset.*|Columns? .* not in the dataset.*/,
  example: "ValueError: Column to remove ['text'] not in the dataset. Current columns in the dataset: ['image', 'caption']",
  diagnose: (_c, m) => ({
    message: m![0],
    remedy:
      'The pre-compute step removes the columns "image" and "text" by name: the dataset must use exactly those column names ' +
      '(rename them in the dataset or metadata.jsonl).',
    configKey: '/args/caption_column',
  }),
};
