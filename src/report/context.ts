// What a report needs beyond the GmmResult: the panel's id and time names for the header, and the
// ModelSpec for the instrument summary (omitted when absent).
import type { ModelSpec } from '../spec/types.ts';

export interface ReportContext {
  /** Group (unit) variable name. */
  id?: string;
  /** Time variable name. */
  time?: string;
  spec?: ModelSpec;
}
