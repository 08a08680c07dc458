// Whether a path is a folder written by `sysgmm partition`: kept apart from partition.ts so that the
// commands can ask without loading the Parquet reader.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PARTITION_FORMAT = 'sysgmm-partition/1';

/** True when <path>/manifest.json exists and names the partition format. */
export function isPartitionedFolder(path: string): boolean {
  const manifest = join(path, 'manifest.json');
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { format?: string }).format === PARTITION_FORMAT;
  } catch {
    return false;
  }
}
