// Types of dist-state.mjs for the tests that use it.
export declare const ROOT: string;
export declare const SRC_DIR: string;
export declare const DIST_DIR: string;
export declare const STATE_FILE: string;
export declare function isSource(relPath: string): boolean;
export declare function sourceState(srcDir?: string): { files: number; newestMtimeMs: number };
export declare function distIsFresh(srcDir?: string, stateFile?: string): boolean;
