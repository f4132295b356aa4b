export declare const CONFIG_FILE: string;
export declare const CONFIG_NAME: string;
export interface RealWorkerPaths {
  dest: string;
  accelerate: string;
  /** The diffusers v0.27.2 examples folder the script is in. */
  examples: string;
  script: string;
  hfHome: string;
  model: string;
  instance: string;
}
export declare function findRealWorker(): RealWorkerPaths | string;
export declare function tinyRealConfig(w: RealWorkerPaths): Record<string, unknown>;
export declare function addRealWorkerConfig(workspace: string): Promise<{ written: true; file: string } | { written: false; reason: string }>;
