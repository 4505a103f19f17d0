export declare function report(result: unknown): void;
