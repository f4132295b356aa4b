export declare const STANDIN_ACCELERATE: string;
export declare const STANDIN_TRAINER: string;
export declare function prepareStandinWorkspace(workspace: string): Promise<void>;
export declare const FAKE_NVIDIA_SMI: string;
