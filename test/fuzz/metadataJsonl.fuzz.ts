// Fuzz: metadata.jsonl. Skipped: the extension has no metadata.jsonl parser. The dataset's metadata.jsonl is read only
// by the training script (through `datasets`); the extension names it in help and remedies but never parses it. Write
// the suite here if a reader is ever added.
import { test } from 'node:test';
import { writeReliabilityReport } from '../reliabilityReport';

const WHY = "no metadata.jsonl parser in src/ (only the training script reads the dataset's metadata.jsonl)";

test('fuzz: metadata.jsonl', { skip: WHY }, () => undefined);
console.log(`fuzz metadata.jsonl: skipped, ${WHY}`);
writeReliabilityReport({ suite: 'metadata.jsonl', kind: 'fuzz', cases: 0, failures: 0, seconds: 0, skipped: WHY });
