// The failure rules in the order they are tried: the first that applies names the failure. The order is part of the
// meaning: a specific cause before a general one that also matches its output (xformers' kernels before a missing
// xformers, the named optional packages before any missing module, a wandb token refusal before the Hub's), what the
// child raised before what the launchers and signals say about it, and the fallback last.
import { argparseError } from './argparse';
import { cudaOom } from './cudaOom';
import { columnNotFound, columnToRemove, imagesRootMissing, noDataset } from './datasetColumns';
import { diffusersVersion } from './diffusersVersion';
import { diskFull } from './diskFull';
import { childFailed, collectiveFailed } from './distributed';
import { hostOomKilled } from './hostOom';
import { hubGated, hubNotFound, hubUnauthorized, wandbWithHubToken } from './hubAuth';
import { bitsandbytesMissing, moduleMissing, wandbMissing, xformersMissing } from './missingPackage';
import { nanLoss } from './nanLoss';
import { cutTraceback, unrecognised } from './other';
import type { FailureRule } from './rule';
import { xformersBuild } from './xformersBuild';

export const FAILURE_RULES: readonly FailureRule[] = [
  cudaOom,
  diskFull,
  diffusersVersion,
  xformersBuild,
  xformersMissing,
  bitsandbytesMissing,
  wandbMissing,
  moduleMissing,
  wandbWithHubToken,
  hubGated,
  hubNotFound,
  hubUnauthorized,
  columnNotFound,
  imagesRootMissing,
  noDataset,
  columnToRemove,
  argparseError,
  collectiveFailed,
  hostOomKilled,
  childFailed,
  nanLoss,
  cutTraceback,
  unrecognised,
];

export type { FailureContext, FailureInput, FailureRule, RuleDiagnosis } from './rule';
export { LAUNCHER_EXC, PY_EXCEPTION } from './rule';
