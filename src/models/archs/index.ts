// Every architecture file registers itself on import.
export {};
