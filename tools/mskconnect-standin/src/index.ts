// The MSK Connect stand-in's public surface.
export {};
