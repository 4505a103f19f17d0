/** Backend conformance suite: filled in by the backend work (see README). */
export {};
