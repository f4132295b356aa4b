export declare function webviewBundle(entry: string, outfile: string): Promise<void>;
