// specToCommand: a ModelSpec written back as an xtabond2 command, so that
// parseXtabond2(specToCommand(spec), columns) gives the same spec (wildcards come back expanded).
import type { GmmGroup, IvGroup, ModelSpec } from './types.ts';
import { stataName } from './varlist.ts';
import { lagText } from './labels.ts';

export function specToCommand(spec: ModelSpec): string {
  const vars = [spec.depvar, ...spec.regressors].map(stataName).join(' ');
  const opts: string[] = [];
  for (const g of spec.gmm) opts.push(gmmOption(g));
  for (const g of spec.iv) opts.push(ivOption(g));
  if (!spec.levelEquation) opts.push('noleveleq');
  if (spec.orthogonal) opts.push('orthogonal');
  if (spec.h !== 3) opts.push(`h(${spec.h})`);
  if (spec.twostep) opts.push('twostep');
  if (spec.robust) opts.push('robust');
  if (spec.cluster !== null) opts.push(`cluster(${spec.cluster.join(' ')})`);
  if (spec.small) opts.push('small');
  if (spec.levelEquation && !spec.constant) opts.push('noconstant');
  if (spec.artests !== 2) opts.push(`artests(${spec.artests})`);
  if (spec.arlevels) opts.push('arlevels');
  if (!spec.diffSargan) opts.push('nodiffsargan');
  if (spec.timeDummies) opts.push('timedummies');
  if (spec.level !== undefined) opts.push(`level(${spec.level})`);
  if (spec.pca) opts.push('pca');
  if (spec.components !== undefined) opts.push(`components(${spec.components})`);
  if (spec.dpds2) opts.push('dpds2');
  const quals = `${spec.condition !== undefined ? ` if ${spec.condition}` : ''}${spec.inRange ? ` in ${spec.inRange.first}/${spec.inRange.last}` : ''}`;
  const weight = spec.weight ? ` [${spec.weight.kind}=${spec.weight.variable}]` : '';
  return `xtabond2 ${vars}${weight}${quals}${opts.length ? `, ${opts.join(' ')}` : ''}`;
}

function gmmOption(g: GmmGroup): string {
  const sub = [lagText(g.lagMin, g.lagMax)];
  if (g.collapse) sub.push('collapse');
  if (g.split) sub.push('split');
  if (g.equation !== 'both') sub.push(`eq(${g.equation})`);
  if (g.passthru) sub.push('passthru');
  if (g.orthogonal) sub.push('orthogonal');
  return `gmm(${g.vars.map(stataName).join(' ')}, ${sub.join(' ')})`;
}

function ivOption(g: IvGroup): string {
  const sub: string[] = [];
  if (g.equation !== 'both') sub.push(`eq(${g.equation})`);
  if (g.passthru) sub.push('passthru');
  if (g.mz) sub.push('mz');
  return `iv(${g.vars.map(stataName).join(' ')}${sub.length ? `, ${sub.join(' ')}` : ''})`;
}
