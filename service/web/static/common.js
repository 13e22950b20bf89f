// Shared by the pages: calls to the JSON API with the session's CSRF token, problem+json
// reading, file downloads from blobs, short messages.

import { h } from "./form.js";

export function csrfHeaders() {
  const token = document.querySelector('meta[name="csrf-token"]');
  const header = document.querySelector('meta[name="csrf-header"]');
  return token && header ? { [header.content]: token.content } : {};
}

function post(url, body, accept) {
  const headers = { ...csrfHeaders(), Accept: `${accept}, application/problem+json` };
  let payload = body;
  if (!(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  return fetch(url, { method: "POST", headers, body: payload, credentials: "same-origin" });
}

async function isCsrfFailure(response) {
  if (response.status !== 403) return false;
  try { return (await response.clone().json()).code === "csrf_failed"; } catch { return false; }
}

/** After a sign-out and sign-in in another tab the page's token is stale: read this page
 * again (same session cookie) for the new one. False when the clerk is signed out. */
async function refreshCsrfToken() {
  let response;
  try {
    response = await fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
  } catch { return false; }
  if (!response.ok || response.redirected) return false;
  const found = /<meta name="csrf-token" content="([^"]+)">/.exec(await response.text());
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (!found || !meta) return false;
  meta.content = found[1];
  return true;
}

/** POST to the API; `body` is an object (sent as JSON) or a FormData. A request refused for
 * a stale token is sent once more with the session's new token; the form is never touched. */
export async function apiPost(url, body, accept = "application/json") {
  const response = await post(url, body, accept);
  if (await isCsrfFailure(response) && await refreshCsrfToken()) return post(url, body, accept);
  return response;
}

export async function apiGet(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw await readProblem(response);
  return response.json();
}

/** The problem of a failed response: {status, title, detail, errors: [...]}. */
export async function readProblem(response) {
  let body = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try { body = await response.json(); } catch { body = null; }
  }
  if (response.status === 401 || (response.status === 403 && body && body.code === "csrf_failed")) {
    // The sign-in ended (idle too long, signed out elsewhere): say so in clerk's words; the
    // form stays as typed (and in the browser's draft) while the clerk signs in elsewhere.
    return { status: response.status, code: (body && body.code) || "authentication_required",
      title: "Phiên đăng nhập đã hết",
      detail: "Hãy đăng nhập lại trong một thẻ khác (mở trang chủ trong thẻ mới), rồi quay lại "
        + "đây và bấm lại: dữ liệu đã nhập vẫn giữ nguyên, bản nháp được lưu trong trình duyệt.",
      errors: [] };
  }
  return {
    status: response.status,
    code: (body && body.code) || "http_error",
    title: (body && body.title) || `Máy chủ trả lời lỗi ${response.status}`,
    detail: (body && body.detail) || "",
    errors: (body && Array.isArray(body.errors)) ? body.errors : [],
  };
}

export function networkProblem() {
  return { status: 0, code: "network", title: "Không kết nối được máy chủ",
    detail: "Kiểm tra mạng nội bộ rồi thử lại. Dữ liệu đã nhập vẫn còn trên trang.", errors: [] };
}

/** The file name from Content-Disposition (the UTF-8 filename* when present). */
export function filenameOf(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try { return decodeURIComponent(star[1]); } catch { /* fall through */ }
  }
  const plain = /filename="([^"]+)"/i.exec(header);
  return plain ? plain[1] : fallback;
}

/** Offer a blob as a download under `filename`. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Show a short message in a notice box: kind is "info", "success", "warn" or "error". */
export function notify(box, kind, title, lines = []) {
  const icons = { info: "ℹ", success: "✓", warn: "⚠", error: "⚠" };
  const prefixes = { info: "", success: "", warn: "Chú ý: ", error: "Lỗi: " };
  box.className = `notice notice--${kind}`;
  box.replaceChildren(
    h("p", { class: "notice__title" },
      h("span", { class: "notice__icon", "aria-hidden": "true", text: icons[kind] }), " ",
      h("span", { class: "visually-hidden", text: prefixes[kind] }), title),
  );
  if (lines.length) box.append(h("ul", {}, ...lines.map((line) => h("li", { text: line }))));
  box.hidden = false;
}

export function hide(box) {
  box.hidden = true;
  box.replaceChildren();
}

export function todayIso() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** "dd/mm/yyyy hh:mm" in local time from an ISO timestamp. */
export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(date.getDate())}/${pad(date.getMonth() + 1)}/${date.getFullYear()} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Disable buttons while `work` runs; returns its result. */
export async function busy(buttons, work) {
  for (const b of buttons) { b.disabled = true; b.setAttribute("aria-busy", "true"); }
  try {
    return await work();
  } finally {
    for (const b of buttons) { b.disabled = false; b.removeAttribute("aria-busy"); }
  }
}

/** The API's root URL ("/api/v1", behind any path prefix the service is mounted at). */
export function apiRoot() {
  const meta = document.querySelector('meta[name="api-root"]');
  return meta ? meta.content : "/api/v1";
}
