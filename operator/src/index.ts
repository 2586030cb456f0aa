// The operator's public surface; main.ts wires it (filled in by the controller work).
export {};
