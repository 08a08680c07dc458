// Every subcommand registers itself on the program; add one import and one entry per command.
import type { Command } from 'commander';
import { register as backends } from './backends.ts';
import { register as bootstrap } from './bootstrap.ts';
import { register as describe } from './describe.ts';
import { register as estimate } from './estimate.ts';
import { register as grid } from './grid.ts';
import { register as indices } from './indices.ts';
import { register as montecarlo } from './montecarlo.ts';
import { register as replicate } from './replicate.ts';
import { register as simulate } from './simulate.ts';
import { register as task } from './task.ts';

export const commands: Array<(program: Command) => void> = [backends, bootstrap, describe, estimate, grid, indices, montecarlo, replicate, simulate, task];
