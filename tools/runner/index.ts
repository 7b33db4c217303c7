/** The notebook runner as a library (the CLI is tools/run-notebooks.ts). */
export { parseArgs, UsageError, USAGE, type CliOptions } from './args';
export { runCleanups, killAllSync, registerCleanup } from './cleanup';
export { expandPaths, commonRoot, planNotebooks, type NotebookEntry } from './discover';
export { errorFromReply, parseErrorText, timeoutError, errorText } from './errors';
export { executeNotebook, kernelNameFor, TSLAB_ABORT_WINDOW_MS } from './execute';
export { convertToHtml } from './html';
export { junitXml } from './junit';
export { KernelClient, KernelSession } from './kernel';
export { LaneKernelspecs, type Lane } from './lanes';
export { parseNotebook, serializeNotebook, readNotebookFile, writeNotebookFile, splitLines, dumpJson } from './nbformat';
export { OutputAccumulator, outputFromMsg } from './outputs';
export { summaryText, cellLine } from './report';
export { runNotebooks, type RunOptions } from './run';
export { startJupyterServer, freePort, ServerStartError, type JupyterServer } from './server';
export { nbclientTimestamp } from './timestamps';
export type * from './types';
