// The analytics package's public surface (archive writer, window counter, daily report).
export {};
