// What the unit pass, page-warmer.ts and its thread share: the control words and the step.

/** 4 KiB in 32-bit words. */
export const PAGE_WORDS = 1024;
/** Control words (Int32 in a SharedArrayBuffer): stop flag; units the pass has written. */
export const CONTROL_STOP = 0;
export const CONTROL_DONE = 1;
/** Units whose pages the helper touches between two looks at the pass's progress. */
export const WARM_STEP_UNITS = 8;
