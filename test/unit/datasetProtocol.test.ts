// The Preview Dataset protocol's validators: what each side accepts, and that a malformed message is named, not thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkDatasetHostMessage,
  checkDatasetWebviewMessage,
  MAX_PAGE_SIZE,
  type DatasetHostMessage,
  type DatasetWebviewMessage,
} from '../../src/shared/datasetProtocol';

const overview = {
  title: 'demo',
  target: '/w/demo.sdxl.json',
  resolution: 1024,
  centerCrop: false,
  randomFlip: true,
  images: 3,
  errors: 1,
  warnings: 0,
  infos: 0,
  cancelled: false,
  resolutionHistogram: { labels: ['<512'], counts: [3] },
  aspectHistogram: { labels: ['1:1'], counts: [3] },
  codeCounts: [{ code: 'corrupt-image', count: 1 }],
  otherFindings: [],
  otherFindingsLeftOut: 0,
};
const crop = {
  resizedWidth: 1536,
  resizedHeight: 1024,
  left: 256,
  top: 0,
  size: 1024,
  flipped: true,
  originalSize: [512, 768] as [number, number],
  cropsCoordsTopLeft: [0, 256] as [number, number],
  keptFraction: 2 / 3,
};

test('valid host messages pass', () => {
  const good: DatasetHostMessage[] = [
    { type: 'progress', title: 'demo', target: '/w/d', done: 3, total: 10 },
    { type: 'init', overview },
    {
      type: 'page',
      requestId: 2,
      offset: 0,
      total: 1,
      items: [
        {
          index: 0,
          name: 'a.png',
          role: 'train',
          caption: null,
          width: 5,
          height: 5,
          findings: [{ code: 'no-caption', severity: 'warning', message: 'm', line: 2 }],
        },
      ],
    },
    {
      type: 'thumbs',
      thumbs: [
        { index: 0, uri: 'https://file+.vscode-resource/x.webp' },
        { index: 1, error: 'corrupt' },
      ],
    },
    { type: 'crop', index: 0, draw: 1, crop, imageUri: 'https://x/y.webp' },
    { type: 'crop', index: 0, draw: 0, error: 'cannot read' },
    { type: 'crop', index: 3, draw: 2, image: { index: 3, name: 'd.png', role: 'instance', caption: 'sks dog', findings: [] }, crop },
    { type: 'failed', message: 'no dataset' },
  ];
  for (const m of good) assert.equal(checkDatasetHostMessage(m), undefined, JSON.stringify(m));
});

test('malformed host messages are named', () => {
  assert.match(checkDatasetHostMessage({ type: 'init', overview: { ...overview, resolution: 0 } })!, /overview\.resolution/);
  assert.match(checkDatasetHostMessage({ type: 'init', overview: { ...overview, aspectHistogram: { labels: ['a', 'b'], counts: [1] } } })!, /differ in length/);
  assert.match(checkDatasetHostMessage({ type: 'crop', index: 0, draw: 0, crop: { ...crop, keptFraction: 2 } })!, /keptFraction/);
  assert.match(checkDatasetHostMessage({ type: 'crop', index: 0, draw: 0, crop: { ...crop, originalSize: [1] } })!, /originalSize/);
  assert.match(checkDatasetHostMessage({ type: 'page', requestId: 0, offset: 0, total: 1, items: [{ index: -1 }] })!, /items\[0\]\.index/);
  assert.match(checkDatasetHostMessage({ type: 'nope' })!, /unknown type "nope"/);
});

test('valid webview messages pass', () => {
  const good: DatasetWebviewMessage[] = [
    { type: 'ready', protocol: 1 },
    { type: 'requestPage', requestId: 1, offset: 120, limit: 60, filter: { problemsOnly: true } },
    { type: 'requestPage', requestId: 2, offset: 0, limit: MAX_PAGE_SIZE, filter: { problemsOnly: false, code: 'duplicate' } },
    { type: 'selectImage', index: 4, draw: 0 },
    { type: 'openImage', index: 4 },
    { type: 'recheck' },
  ];
  for (const m of good) assert.equal(checkDatasetWebviewMessage(m), undefined, JSON.stringify(m));
});

test('webview messages that would make the host do unbounded or undefined work are refused', () => {
  assert.match(
    checkDatasetWebviewMessage({ type: 'requestPage', requestId: 1, offset: 0, limit: MAX_PAGE_SIZE + 1, filter: { problemsOnly: false } })!,
    /limit/,
  );
  assert.match(checkDatasetWebviewMessage({ type: 'requestPage', requestId: 1, offset: -5, limit: 10, filter: { problemsOnly: false } })!, /offset/);
  assert.match(checkDatasetWebviewMessage({ type: 'requestPage', requestId: 1, offset: 0, limit: 10, filter: {} })!, /problemsOnly/);
  assert.match(checkDatasetWebviewMessage({ type: 'selectImage', index: 1.5, draw: 0 })!, /index/);
  // The webview never names a file: an image is opened by its index only.
  assert.match(checkDatasetWebviewMessage({ type: 'openImage', path: '/etc/passwd' })!, /index: missing/);
  assert.match(checkDatasetWebviewMessage(null)!, /expected an object/);
  assert.match(checkDatasetWebviewMessage({ type: { toString: 1 } })!, /unknown type \(object\)/);
});
