// "Ban hành" on a document form (Chỉ thị, Kế hoạch, Quyết định): check the draft and show the
// number and date it will take (POST /api/v1/issued/next-number: nothing reserved), ask the
// clerk to confirm, then issue it (POST /api/v1/issued) with an Idempotency-Key made for this
// draft: a double click, a retry after a network error or a second "Ban hành" of the same
// draft returns the document already issued, never a second number. The form keeps what was
// typed whatever happens.

import { h } from "./form.js";
import { apiPost, apiRoot, csrfHeaders, hide, networkProblem, notify, readProblem } from "./common.js";

const $ = (id) => document.getElementById(id);
// The register's words for a payload's number are written for API clients; on the page the
// number field is a box on the form.
const CLERK_MESSAGES = {
  number_assigned_on_issue: "Để trống ô này: sổ đăng ký cấp số khi ban hành.",
};

function newKey() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return `trang-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function vnDate(iso) {
  const [y, m, d] = String(iso || "").split("-");
  return d ? `${d}/${m}/${y}` : "";
}

function forTheForm(problem) {
  const errors = problem.errors.map((e) => ({ ...e,
    pointer: (e.pointer || "").replace(/^\/payload(?=\/|$)/, ""),
    message: CLERK_MESSAGES[e.code] || e.message }));
  return { ...problem, errors };
}

export function setupIssue({ form, detail, showErrors, hideErrors, status, notice }) {
  const button = $("btn-issue");
  const dialog = $("issue-dialog");
  const confirm = $("issue-confirm");
  const result = $("issue-result");
  // One key per draft: the same draft (same JSON) keeps its key until it is issued, so any
  // retry is answered with the document the first request issued.
  let pending = null;
  let issued = null;
  let preview = null;

  async function failed(response) {
    const problem = forTheForm(await readProblem(response));
    if (problem.errors.length) {
      status.textContent = `Chưa ban hành được: có ${problem.errors.length} lỗi, xem danh sách phía trên biểu mẫu.`;
      showErrors(problem);
    } else {
      status.textContent = "";
      notify(notice, "error", problem.title, problem.detail ? [problem.detail] : []);
      notice.scrollIntoView({ block: "center" });
    }
  }

  function showResult(doc, again) {
    const links = h("ul", { class: "issue-result__links" },
      h("li", {}, h("a", { href: doc.files.pdf, download: "", text: "Tải bản PDF đã ban hành" })),
      h("li", {}, h("a", { href: doc.files.docx, download: "", text: "Tải bản Word đã ban hành" })),
      h("li", {}, h("a", { href: registerLink(doc), text: "Xem trong sổ đăng ký" })));
    const lines = [];
    if (again) lines.push(h("p", { text: "Dự thảo này đã được ban hành rồi; không cấp số mới." }));
    else if (preview && preview.number_symbol !== doc.number_symbol) {
      lines.push(h("p", { text: `Có người ban hành văn bản khác ngay trước nên văn bản nhận số ${doc.number_text} (không phải ${preview.number_text}).` }));
    }
    result.replaceChildren(
      h("p", { class: "notice__title" }, h("span", { class: "notice__icon", "aria-hidden": "true", text: "✓" }),
        " Đã ban hành: số ", h("strong", { id: "issued-number", text: doc.number_symbol }),
        `, ngày ${vnDate(doc.date)}.`),
      ...lines, links);
    result.hidden = false;
    result.scrollIntoView({ block: "nearest" });
  }

  function registerLink(doc) {
    const query = new URLSearchParams({ so: doc.number, nam: doc.year, loai: doc.document_type });
    return `${dialog.dataset.register}?${query}#vb-${doc.id}`;
  }

  async function check() {
    const body = { document_type: detail.id, payload: form.value() };
    const text = JSON.stringify(body);
    if (issued && issued.text === text) {
      showResult(issued.doc, true);
      return;
    }
    if (pending && pending.text === text && pending.unanswered) {
      // The clerk confirmed this very draft and the answer was lost: ask again with the same
      // key (the register answers with the document if the first request did issue it).
      await issue();
      return;
    }
    status.textContent = "Đang kiểm tra dự thảo…";
    let response;
    try {
      response = await apiPost(`${apiRoot()}/issued/next-number`, body);
    } catch {
      status.textContent = "";
      const problem = networkProblem();
      notify(notice, "error", problem.title, [problem.detail]);
      return;
    }
    if (!response.ok) {
      await failed(response);
      return;
    }
    hideErrors();
    preview = await response.json();
    if (!pending || pending.text !== text) pending = { text, key: newKey() };
    status.textContent = "";
    $("issue-number").textContent = preview.number_symbol;
    $("issue-date").textContent = vnDate(preview.date);
    result.hidden = true;
    dialog.showModal();
  }

  async function issue() {
    const draft = pending;
    confirm.disabled = true;
    status.textContent = "Đang ban hành…";
    let response;
    try {
      response = await fetch(`${apiRoot()}/issued`, { method: "POST", credentials: "same-origin",
        headers: { ...csrfHeaders(), "Content-Type": "application/json",
          Accept: "application/json, application/problem+json", "Idempotency-Key": draft.key },
        body: draft.text });
    } catch {
      draft.unanswered = true;
      status.textContent = "";
      const problem = networkProblem();
      notify(notice, "error", problem.title,
        [problem.detail, "Bấm “Ban hành” lại: nếu văn bản đã kịp vào sổ, trang sẽ cho biết số của nó, không cấp số mới."]);
      return;
    } finally {
      confirm.disabled = false;
      dialog.close();
    }
    if (!response.ok) {
      draft.unanswered = false;
      await failed(response);
      return;
    }
    hide(notice);
    const doc = await response.json();
    // A retry after a lost answer: the register returns what the first request issued.
    const replayed = response.headers.get("Idempotent-Replayed") === "true";
    issued = { text: draft.text, doc };
    pending = null;
    form.dirty = false;
    status.textContent = `Đã ban hành văn bản số ${doc.number_symbol}.`;
    showResult(doc, replayed);
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    try { await check(); } finally { button.disabled = false; }
  });
  confirm.addEventListener("click", () => { if (!confirm.disabled) issue(); });
  $("issue-cancel").addEventListener("click", () => {
    dialog.close();
    status.textContent = "Chưa ban hành. Dự thảo vẫn giữ nguyên trên trang.";
  });
}
