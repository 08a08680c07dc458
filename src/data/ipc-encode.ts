// Arrow IPC encoding, in a module of its own so that a command imports Arrow's IPC writer (and the
// flatbuffers code under it, about half of apache-arrow's bundled size) only when it writes a
// .arrow/.feather/.ipc or .parquet file: `estimate` on a CSV file never loads it (bench/startup).
export { tableToIPC } from 'apache-arrow';
