// A file-system error on a path the user named (a missing or read-only folder, a folder where a file
// was expected, a full disk), as one sentence that names the path; undefined for any other error.
import { SpecError } from './errors.ts';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EFBIG: 'file too large',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error on the device',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ELOOP: 'too many symbolic links (a loop)',
  EEXIST: 'it already exists',
  ENAMETOOLONG: 'the name is too long',
};

const ACTIONS: Record<string, string> = {
  open: 'open',
  mkdir: 'create the folder',
  rename: 'write',
  write: 'write',
  scandir: 'list the folder',
  stat: 'read',
  read: 'read',
  unlink: 'remove',
};

/** The plain reason for a file-system error code, e.g. "no space left on the device"; undefined for an unknown code. */
export function fileErrorReason(code: string | undefined): string | undefined {
  return code !== undefined && Object.hasOwn(REASONS, code) ? REASONS[code] : undefined;
}

export function fileErrorMessage(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as NodeJS.ErrnoException & { dest?: string };
  const reason = fileErrorReason(e.code);
  if (reason === undefined || typeof e.path !== 'string') return undefined;
  const action = ACTIONS[e.syscall ?? ''] ?? 'use';
  if (e.syscall === 'mkdir' && (e.code === 'EEXIST' || e.code === 'ENOTDIR')) return `cannot create the folder ${e.path}: a file is in the way`;
  // A rename is the last step of an atomic write: the path the user named is the destination.
  const path = e.syscall === 'rename' && typeof e.dest === 'string' ? e.dest : e.path;
  return `cannot ${action} ${path}: ${reason}`;
}

/** Why a file the user named could not be read: "file not found: PATH" when it is missing, else the
 *  file-system reason, else the error's own message. */
export function readFailure(path: string, err: unknown): string {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `file not found: ${path}`;
  return fileErrorMessage(err) ?? `cannot read ${path}: ${(err as Error).message}`;
}

/** A file-system error on the path an option names, as that option's fault ("--out: cannot write
 *  x.csv: no such file or folder"); any other error as it is. */
export function optionFault(err: unknown, option: string): unknown {
  const why = fileErrorMessage(err);
  return why ? new SpecError(`${option}: ${why}`, option) : err;
}
