// The bundled Arellano–Bond panel (data/abdata.csv, Stata's float32 copy) through the project's reader.
import { readTable } from '../../src/data/read.ts';
import { Panel } from '../../src/panel/panel.ts';

export async function loadAbdata(): Promise<Panel> {
  const path = new URL('../../data/abdata.csv', import.meta.url).pathname;
  return Panel.fromTable(await readTable(path), { id: 'id', time: 'year', source: path });
}
