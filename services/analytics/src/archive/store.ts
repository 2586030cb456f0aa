/**
 * Where the archive lives: a local directory or HDFS (through WebHDFS). Paths
 * are relative to the store's root (the topics dir), '/'-separated, e.g.
 * `documents.raw/year=2024/month=03/day=10/hour=09/documents.raw+0+…json`.
 */
export interface ArchiveStore {
  /** Where the root is, for logs: `file:///…` or `webhdfs://…`. */
  readonly location: string;
  /**
   * Writes the whole file so that readers see it complete or not at all (a
   * temporary name, then a rename), replacing an existing file of that name.
   * Creates missing parent directories.
   */
  put(path: string, content: string): Promise<void>;
  /** Names of the entries of a directory (files and directories), sorted; [] when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** The content of a file. */
  read(path: string): Promise<Buffer>;
  /** Removes a file; a no-op when it does not exist. */
  delete(path: string): Promise<void>;
}

/** Joins store path segments, ignoring empty ones. */
export function joinPath(...segments: string[]): string {
  return segments.filter((s) => s.length > 0).join('/');
}
