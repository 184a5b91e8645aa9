// Text that goes where Leaflet takes HTML (tooltips, marker icons): names and titles come from admins, gateways and
// imported CAP alerts, so they are escaped, never markup.
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
