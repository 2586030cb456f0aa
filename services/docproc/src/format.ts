/** A byte count for people: `50 MiB`, `1.5 MiB`, `48.8 KiB`, `900 bytes`. */
export function formatBytes(bytes: number): string {
  const unit = (n: number, name: string): string => `${Number.isInteger(n) ? n : n.toFixed(1)} ${name}`;
  if (bytes >= 1024 * 1024) return unit(bytes / (1024 * 1024), 'MiB');
  if (bytes >= 1024) return unit(bytes / 1024, 'KiB');
  return `${bytes} bytes`;
}
