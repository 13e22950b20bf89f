// A list of the form (e.g. the decision's list of people and collectives) filled from a
// spreadsheet: "Tải danh sách từ Excel" sends the file to the API's list reader (the same one
// other systems use) and fills the list with its items; "Tải mẫu danh sách" downloads the
// blank list. Problems are shown beside the list in clerk words ("Dòng 7, cột Hình thức khen
// thưởng: …"); a failed upload changes nothing, a successful one asks before replacing a list
// that already has entries.

import { h } from "./form.js";
import { apiRoot, csrfHeaders, notify } from "./common.js";

/** The list fields a spreadsheet can fill: arrays of objects whose fields are all flat. */
function listKeys(schema) {
  const keys = [];
  for (const [key, sub] of Object.entries(schema.properties || {})) {
    const items = sub && sub.items;
    const props = items && items.properties;
    if (!props) continue;
    const flat = Object.values(props).every((p) => {
      const types = [].concat(p.type || []);
      return !types.includes("array") && !types.includes("object");
    });
    if (flat) keys.push(key);
  }
  return keys;
}

function filledCount(node) {
  return node.items.filter(({ node: item }) => !item.isBlank()).length;
}

/** "Dòng 7, cột Hình thức khen thưởng: …" (the header as the file wrote it). */
function errorLine(error, columns) {
  const where = [];
  if (error.row) where.push(`Dòng ${error.row}`);
  if (error.column) where.push(`cột ${columns[error.column] || error.column}`);
  return where.length ? `${where.join(", ")}: ${error.message}` : error.message;
}

async function readBody(response) {
  try { return await response.json(); } catch { return null; }
}

class ListUpload {
  constructor(form, detail, key, node) {
    this.form = form;
    this.detail = detail;
    this.key = key;
    this.node = node;
    this.url = `${apiRoot()}/document-types/${encodeURIComponent(detail.id)}/lists/${encodeURIComponent(key)}`;
    this.build();
  }

  build() {
    const title = this.node.title.toLocaleLowerCase("vi");
    this.input = h("input", { type: "file", accept: ".xlsx,.csv", hidden: true,
      "aria-label": `Chọn tệp Excel cho ${title}` });
    this.input.addEventListener("change", () => this.onFile());
    this.button = h("button", { type: "button", class: "button", onclick: () => this.input.click() },
      "Tải danh sách từ Excel…");
    this.blank = h("a", { class: "button button--quiet", href: `${this.url}.xlsx`, download: "" },
      "Tải mẫu danh sách");
    this.status = h("p", { class: "list-upload__status", role: "status", "aria-live": "polite" });
    this.box = h("div", { class: "notice notice--error list-upload__errors", hidden: true, tabindex: "-1" });
    this.container = h("div", { class: "list-upload", role: "group", "aria-label": `${this.node.title} từ Excel` },
      h("div", { class: "list-upload__tools" }, this.button, this.blank, this.input), this.status, this.box);
    this.node.container.insertBefore(this.container, this.node.list);
  }

  async onFile() {
    const file = this.input.files && this.input.files[0];
    this.input.value = "";
    if (!file) return;
    this.box.hidden = true;
    this.status.textContent = `Đang đọc tệp “${file.name}”…`;
    this.button.disabled = true;
    try {
      await this.upload(file);
    } finally {
      this.button.disabled = false;
    }
  }

  async upload(file) {
    const body = new FormData();
    body.append("file", file, file.name);
    let response;
    try {
      response = await fetch(this.url, { method: "POST", body, credentials: "same-origin",
        headers: { ...csrfHeaders(), Accept: "application/json, application/problem+json" } });
    } catch {
      this.fail(file, "Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.", []);
      return;
    }
    const data = await readBody(response);
    if (!response.ok) {
      this.failed(file, response.status, data);
      return;
    }
    this.fill(file, (data && data.items) || []);
  }

  failed(file, status, data) {
    if (status === 401) {
      this.fail(file, "Phiên đăng nhập đã hết. Hãy đăng nhập lại (mở trang trong thẻ mới) rồi tải lại tệp.", []);
      return;
    }
    const columns = (data && data.columns) || {};
    const errors = (data && Array.isArray(data.errors)) ? data.errors : [];
    const lines = errors.map((e) => errorLine(e, columns));
    const title = (data && data.detail) || (data && data.title) || `Máy chủ trả lời lỗi ${status}.`;
    this.fail(file, title, lines);
  }

  fail(file, title, lines) {
    this.status.textContent = "";
    notify(this.box, "error", `Chưa nạp được danh sách từ tệp “${file.name}”; danh sách đang nhập giữ nguyên. ${title}`, lines);
    this.box.classList.add("list-upload__errors");
    this.box.focus();
  }

  fill(file, items) {
    const count = filledCount(this.node);
    if (count && !window.confirm(`${this.node.title} đang có ${count} mục. Thay bằng ${items.length} mục từ tệp “${file.name}”?`)) {
      this.status.textContent = "Đã giữ nguyên danh sách đang nhập.";
      return;
    }
    // Built away from the page and put back at once: the browser lays out a long list once.
    const list = this.node.list;
    const mark = document.createComment("");
    list.replaceWith(mark);
    try {
      this.node.set(items);
    } finally {
      mark.replaceWith(list);
    }
    this.node.clearError();
    this.node.ctx.changed(this.node);
    this.status.textContent = `Đã nạp ${items.length} mục từ tệp “${file.name}”. Kiểm tra lại rồi bấm Xem trước.`;
  }
}

/** Add the spreadsheet tools to every list of the form a spreadsheet can fill. */
export function attachListUploads(form, detail) {
  const uploads = [];
  for (const key of listKeys(detail.schema)) {
    const node = form.root.children.get(key);
    if (node && node.list) uploads.push(new ListUpload(form, detail, key, node));
  }
  return uploads;
}
