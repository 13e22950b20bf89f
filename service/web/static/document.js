// The document page: a form generated from the type's schema, JSON import/export, preview
// and downloads through the JSON API (the same validation and rendering as every client).

import { buildForm, h } from "./form.js";
import { setupIssue } from "./issue.js";
import { attachListUploads } from "./lists.js";
import { keepDrafts, savedAt } from "./drafts.js";
import { apiPost, apiRoot, busy, filenameOf, hide, networkProblem, notify, readProblem, saveBlob,
  todayIso } from "./common.js";

const detail = JSON.parse(document.getElementById("type-detail").textContent);
const $ = (id) => document.getElementById(id);
const notice = $("notice");
const summary = $("error-summary");
const status = $("action-status");
const previewBox = $("preview");
const actionButtons = [...document.querySelectorAll(".actions button")];
const MIME = { pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" };
let previewUrl = null;

// Print options (in phôi, chỉnh lệch) folded away from the everyday fields
const folded = Object.entries(detail.schema.properties || {}).filter(([, sub]) => sub["x-fold"]).map(([key]) => key);
const form = buildForm($("form-root"), detail.schema, { idPrefix: "f", collapse: folded,
  collapseTitle: "Tùy chọn in (in lên phôi, chỉnh lệch)",
  collapseHelp: "Chỉ cần khi in lên phôi in sẵn hoặc khi chữ in chưa khớp phôi." });
form.reset();
attachListUploads(form, detail);
const drafts = keepDrafts(form, detail.id);
if (drafts.restored) {
  notify(notice, "info", `Đã mở lại bản nháp lưu lúc ${savedAt(drafts.restored)}.`,
    ["Biểu mẫu được lưu tự động trong trình duyệt này khi gõ. Muốn bắt đầu lại thì bấm “Xóa bản nháp”."]);
}

function confirmReplace(what) {
  return !form.dirty || window.confirm(`${what} sẽ thay toàn bộ nội dung đang nhập. Tiếp tục?`);
}

function clearPreview() {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = null;
  previewBox.replaceChildren(h("p", { class: "preview__empty" }, "Bấm ", h("strong", { text: "Xem trước" }),
    " để xem bản PDF tại đây trước khi tải về."));
}

function hideErrors() {
  form.clearErrors();
  summary.hidden = true;
  summary.removeAttribute("role");
}

function showErrors(problem) {
  const placed = form.showErrors(problem.errors);
  const list = $("error-summary-list");
  list.replaceChildren();
  for (const p of placed) {
    const text = p.label ? `${p.label}: ${p.message}` : p.message;
    const target = p.node.control || p.node.addButton;
    if (p.label && target) {
      list.append(h("li", {}, h("a", { href: `#${target.id || ""}`, text,
        onclick: (event) => { event.preventDefault(); form.focusNode(p.node); } })));
    } else {
      list.append(h("li", { text }));
    }
  }
  $("error-summary-text").textContent = placed.length === 1
    ? "Có 1 lỗi cần sửa trước khi tạo văn bản"
    : `Có ${placed.length} lỗi cần sửa trước khi tạo văn bản`;
  summary.setAttribute("role", "alert");
  summary.hidden = false;
  const first = placed.find((p) => p.label);
  if (first) form.focusNode(first.node);
  else summary.focus();
}

function showPreview(blob) {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(blob);
  const fallback = h("p", { class: "preview__fallback" },
    "Trình duyệt này không hiển thị được PDF ngay trên trang. ",
    h("a", { href: previewUrl, target: "_blank", rel: "noopener", text: "Mở bản xem trước trong thẻ mới" }), ".");
  const view = h("object", { data: previewUrl, type: "application/pdf", class: "preview__frame",
    "aria-label": `Bản xem trước: ${detail.title}` }, fallback);
  previewBox.replaceChildren(view);
  if (window.matchMedia("(max-width: 62rem)").matches) previewBox.scrollIntoView({ block: "start" });
}

async function render(format, preview) {
  hide(notice);
  status.textContent = preview ? "Đang tạo bản xem trước…" : `Đang tạo tệp ${format.toUpperCase()}…`;
  let response;
  try {
    response = await apiPost(`${apiRoot()}/documents/${detail.id}.${format}`, form.value(), MIME[format]);
  } catch {
    status.textContent = "";
    const problem = networkProblem();
    notify(notice, "error", problem.title, [problem.detail]);
    return;
  }
  if (response.ok) {
    const blob = await response.blob();
    hideErrors();
    if (preview) {
      showPreview(blob);
      status.textContent = "Đã tạo bản xem trước. Kiểm tra lại rồi tải về.";
    } else {
      const name = filenameOf(response, `${detail.title}.${format}`);
      saveBlob(blob, name);
      form.dirty = false; // what was typed is in the file now
      status.textContent = `Đã tải về tệp “${name}”.`;
    }
    return;
  }
  const problem = await readProblem(response);
  if (problem.errors.length) {
    status.textContent = `Chưa tạo được văn bản: có ${problem.errors.length} lỗi, xem danh sách phía trên biểu mẫu.`;
    showErrors(problem);
  } else {
    status.textContent = "";
    notify(notice, "error", problem.title, problem.detail ? [problem.detail] : []);
    notice.scrollIntoView({ block: "center" });
  }
}

$("btn-preview").addEventListener("click", () => busy(actionButtons, () => render("pdf", true)));
for (const button of document.querySelectorAll(".actions [data-format]")) {
  button.addEventListener("click", () => busy(actionButtons, () => render(button.dataset.format, false)));
}

$("btn-sample").addEventListener("click", () => {
  if (!confirmReplace("Dữ liệu mẫu")) return;
  form.set(detail.example);
  drafts.save();
  hideErrors();
  clearPreview();
  notify(notice, "info", "Đã điền dữ liệu mẫu. Hãy sửa lại theo văn bản của đơn vị trước khi tải về.");
});

$("btn-clear").addEventListener("click", () => {
  if (!form.isBlank() && !window.confirm("Xóa bản nháp: biểu mẫu sẽ trống và bản nháp lưu trong trình duyệt bị xóa. Tiếp tục?")) return;
  form.reset();
  drafts.clear();
  hideErrors();
  clearPreview();
  status.textContent = "";
  notify(notice, "info", "Đã xóa bản nháp; biểu mẫu trống.");
});

$("btn-export").addEventListener("click", () => {
  const name = `${detail.title} - ${todayIso()}.json`;
  const text = `${JSON.stringify(form.value(), null, 2)}\n`;
  saveBlob(new Blob([text], { type: "application/json" }), name);
  form.dirty = false;
  notify(notice, "success", `Đã lưu nội dung biểu mẫu vào tệp “${name}”. Lần sau bấm “Mở bản nháp…” để dùng lại.`);
});

const importInput = $("import-file");
$("btn-import").addEventListener("click", () => importInput.click());
importInput.addEventListener("change", async () => {
  const file = importInput.files && importInput.files[0];
  importInput.value = "";
  if (!file) return;
  let data;
  try {
    data = JSON.parse(await file.text());
  } catch (error) {
    notify(notice, "error", `Tệp “${file.name}” không phải bản nháp đọc được; biểu mẫu giữ nguyên.`,
      [String(error.message || error)]);
    return;
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) {
    notify(notice, "error", `Tệp “${file.name}” không chứa nội dung của một văn bản; biểu mẫu giữ nguyên.`);
    return;
  }
  if (!confirmReplace("Mở tệp")) return;
  const result = form.set(data);
  drafts.save();
  hideErrors();
  clearPreview();
  const lines = [...result.warnings];
  if (result.ignored.length) {
    lines.push(`Các trường không có trong mẫu ${detail.title} đã bỏ qua: ${result.ignored.join(", ")}`);
  }
  notify(notice, lines.length ? "warn" : "success", `Đã mở tệp “${file.name}”.`, lines);
});

if ($("btn-issue")) setupIssue({ form, detail, showErrors, hideErrors, status, notice });
