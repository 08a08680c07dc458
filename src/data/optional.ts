// Readers whose package is an optional peer dependency (not in the default install): loaded on use,
// and where the package is missing, a DataError that says the exact command that adds it.
import { DataError } from '../errors.ts';

/** The versions the optional reader packages are declared and tested with (package.json peerDependencies). */
export const OPTIONAL_READERS = { exceljs: '4.4.0' } as const;

export async function loadOptional<T>(pkg: keyof typeof OPTIONAL_READERS, what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((err as Error).message).includes(pkg))
      throw new DataError(`reading ${what} needs the optional package ${pkg}, which is not installed: npm i ${pkg}@${OPTIONAL_READERS[pkg]}`);
    throw err;
  }
}
