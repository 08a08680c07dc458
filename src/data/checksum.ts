// The SHA-256 a run directory keys its data by (grid, bootstrap --shards): its tasks read the data
// again, in other processes, and refuse it if it changed. A single file hashes as its bytes; a dataset
// folder or glob (src/data/dataset.ts) as its files in sorted order, each as its path relative to the
// dataset's root, its length and its bytes, so that a file added, removed, renamed or edited changes it.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { SpecError } from '../errors.ts';
import { datasetFiles, isDatasetPath } from './dataset.ts';
import { formatOf, type DataFormat } from './read.ts';

async function hashFile(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** SHA-256 of a data file, dataset folder or glob, as read with --input-format `format`. */
export async function dataSha256(path: string, format?: DataFormat): Promise<string> {
  if (path === '-') throw new SpecError("standard input (-) cannot be read again by the run's tasks (other processes); save it to a file and name that", '<file>');
  const hash = createHash('sha256');
  if (!isDatasetPath(path)) {
    await hashFile(hash, path);
    return hash.digest('hex');
  }
  const { root, files } = datasetFiles(path, format, formatOf);
  for (const f of files) {
    hash.update(`${relative(root, f).split(sep).join('/')}\n${statSync(f).size}\n`);
    await hashFile(hash, f);
  }
  return hash.digest('hex');
}
