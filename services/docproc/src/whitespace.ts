// Control characters other than tab and line breaks: noise from PDFs and
// binary-ish text that would only waste tokens (and confuse JSON consumers).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f]+/g;

/** Removes control characters that are not whitespace. */
export function stripControls(text: string): string {
  return text.replace(CONTROLS, '');
}

const NEEDS_NORMALIZING = /[^\S \n]| {2}| \n|\n |\n\n\n/;

/**
 * Normalises whitespace so paragraphs are separated by exactly one blank line
 * and no whitespace run is long: spaces/tabs collapse to one space, lines are
 * trimmed, three or more newlines become two.
 */
export function normalizeWhitespace(text: string): string {
  // Extractors already emit normalised text; checking is cheaper than rewriting.
  if (!NEEDS_NORMALIZING.test(text) && text === text.trim()) return text;
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
