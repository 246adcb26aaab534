/** Escaping for text placed into HTML, SVG and Markdown. */

/** Escape text for HTML or XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Escape text for a Markdown table cell: pipes and line breaks would end the cell. */
export function escapeMdCell(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
