/**
 * Escapes text for HTML/SVG element content and double- or single-quoted attribute values.
 * Everything the report shows that came from outside (sample generations, prompts, metric names,
 * titles) goes through this: model output may contain `<script>` or quotes.
 */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
