// The data columns a model reads: its variables, instruments and weights (a cluster variable may be text and
// is not among them). Readers declare them numeric so that a non-number is an error naming its row.
import { specTerms, type ModelSpec } from './types.ts';
import { sourceColumns } from './fv-terms.ts';

/** Every data column the model's variables, instruments and weights read. */
export function modelColumns(spec: ModelSpec): string[] {
  return [...new Set([...specTerms(spec).flatMap(sourceColumns), ...(spec.weight ? [spec.weight.variable] : [])])];
}
