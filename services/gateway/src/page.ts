import { createHash } from 'node:crypto';

// The upload page is one self-contained document: no external assets, no
// framework. Every value from the API reaches the DOM through textContent.

const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1d2430; background: #f5f6f8; }
main { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
form { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; background: #fff; padding: 1rem; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
label { display: flex; flex-direction: column; gap: .25rem; font-size: .875rem; font-weight: 600; }
input[type=text] { padding: .4rem .5rem; border: 1px solid #b8bfcc; border-radius: 4px; min-width: 16rem; }
button { padding: .5rem 1.25rem; border: 0; border-radius: 4px; background: #2457c5; color: #fff; font-weight: 600; cursor: pointer; }
button:disabled { background: #8aa0cc; cursor: progress; }
#message { min-height: 1.5rem; }
#message.error { color: #b3261e; }
table { width: 100%; border-collapse: collapse; background: #fff; border-radius: 8px; overflow: hidden; box-shadow: 0 1px 3px #0002; }
th, td { text-align: left; padding: .5rem .75rem; border-bottom: 1px solid #e4e7ec; font-size: .875rem; overflow-wrap: anywhere; }
th { background: #eef1f6; }
tr[data-status=embedded] td.status { color: #1b7f3b; font-weight: 600; }
tr[data-status=failed] td.status, td.error { color: #b3261e; }
tr[data-status=processing] td.status, tr[data-status=chunked] td.status { color: #9a6400; }
`;

const SCRIPT = `
(() => {
  'use strict';
  const STORAGE_KEY = 'docpipe.companyId';
  const POLL_MS = 2000;
  const form = document.getElementById('upload-form');
  const company = document.getElementById('company');
  const fileInput = document.getElementById('file');
  const button = document.getElementById('upload');
  const message = document.getElementById('message');
  const rows = document.getElementById('rows');
  let polling = false;

  company.value = localStorage.getItem(STORAGE_KEY) || company.defaultValue;

  function companyId() {
    return company.value.trim() || company.defaultValue;
  }

  function say(text, isError) {
    message.textContent = text;
    message.className = isError ? 'error' : '';
  }

  async function errorText(res) {
    try {
      const body = await res.json();
      return body.error.message;
    } catch {
      return res.status + ' ' + res.statusText;
    }
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function row(doc) {
    const tr = document.createElement('tr');
    tr.dataset.status = String(doc.status);
    tr.append(
      cell(doc.filename),
      cell(doc.status, 'status'),
      cell(doc.chunks_embedded + '/' + doc.chunks_total),
      cell(new Date(doc.created_at).toLocaleString()),
      cell(doc.error || '', 'error'),
    );
    return tr;
  }

  async function refresh() {
    if (polling) return;
    polling = true;
    try {
      const res = await fetch('/ingest/status?limit=50', { headers: { 'X-Company-ID': companyId() } });
      if (!res.ok) {
        say(await errorText(res), true);
        return;
      }
      const page = await res.json();
      rows.replaceChildren(...page.documents.map(row));
    } catch (err) {
      say('Cannot reach the server: ' + err.message, true);
    } finally {
      polling = false;
    }
  }

  async function upload(event) {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) return say('Choose a file first.', true);
    const body = new FormData();
    body.append('file', file, file.name);
    button.disabled = true;
    say('Uploading ' + file.name + ' …');
    try {
      const res = await fetch('/ingest/upload', { method: 'POST', headers: { 'X-Company-ID': companyId() }, body });
      if (res.status !== 202) return say(await errorText(res), true);
      const accepted = await res.json();
      say('Uploaded ' + accepted.filename + ' as ' + accepted.document_id);
      fileInput.value = '';
      await refresh();
    } catch (err) {
      say('Upload failed: ' + err.message, true);
    } finally {
      button.disabled = false;
    }
  }

  company.addEventListener('change', () => {
    localStorage.setItem(STORAGE_KEY, companyId());
    rows.replaceChildren();
    say('');
    refresh();
  });
  form.addEventListener('submit', upload);
  refresh();
  setInterval(refresh, POLL_MS);
})();
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Only the page's own inline script and style may run (by hash), and it may
 * only talk to this origin.
 */
export const UPLOAD_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML attribute or element body. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** The upload page, with `defaultCompanyId` prefilled in the company field. */
export function uploadPage(defaultCompanyId: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>docpipe — upload</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>docpipe — upload documents</h1>
<form id="upload-form">
  <label for="company">Company ID
    <input id="company" name="company" type="text" value="${escapeHtml(defaultCompanyId)}" required maxlength="64" autocomplete="off" spellcheck="false">
  </label>
  <label for="file">Document (PDF, DOCX, HTML, Markdown, text)
    <input id="file" name="file" type="file" required accept=".pdf,.docx,.html,.htm,.md,.markdown,.txt,application/pdf,text/html,text/markdown,text/plain">
  </label>
  <button id="upload" type="submit">Upload</button>
</form>
<p id="message" role="status" aria-live="polite"></p>
<table>
  <thead><tr><th>File</th><th>Status</th><th>Chunks embedded</th><th>Uploaded</th><th>Error</th></tr></thead>
  <tbody id="rows"></tbody>
</table>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
