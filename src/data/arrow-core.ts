// The part of apache-arrow that reading a table into a Panel needs: types, data, vectors, schemas,
// record batches and tables, taken from the package's own modules. The package entry also evaluates
// the IPC reader and writer, the stream adapters and the flatbuffers code (more than half of what the
// bundle holds of Arrow), which `estimate` on a CSV file never uses; modules that read or write IPC
// import the package entry instead (they load with the commands that need them). The order of the
// exports follows apache-arrow's entry (Arrow.mjs), which its module cycles rely on.
export { Data, makeData } from 'apache-arrow/data';
export { DataType, Float64, Int32, Struct, Utf8 } from 'apache-arrow/type';
export { Table } from 'apache-arrow/table';
export { Vector } from 'apache-arrow/vector';
export { Field, Schema } from 'apache-arrow/schema';
export { RecordBatch } from 'apache-arrow/recordbatch';
