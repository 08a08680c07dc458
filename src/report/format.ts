// One entry point for the report formats the CLI offers.
import type { GmmResult } from '../gmm/result.ts';
import { SpecError } from '../errors.ts';
import type { ReportContext } from './context.ts';
import { formatCsv } from './csv.ts';
import { formatJson } from './json.ts';
import { formatLatex } from './latex.ts';
import { formatMarkdown } from './markdown.ts';
import { formatText } from './text.ts';

export const REPORT_FORMATS = ['text', 'markdown', 'latex', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function formatResult(result: GmmResult, format: string, context: ReportContext = {}): string {
  switch (format) {
    case 'text':
      return formatText(result, context);
    case 'markdown':
      return formatMarkdown(result, context);
    case 'latex':
      return formatLatex(result, context);
    case 'csv':
      return formatCsv(result);
    case 'json':
      return formatJson(result);
    default:
      throw new SpecError(`--format '${format}' is not one of ${REPORT_FORMATS.join(', ')}`, 'format');
  }
}
