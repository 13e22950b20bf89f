// The register page: the list, search and exports are plain HTML; this script adds voiding
// (admins only: the dialog exists only for them) through POST /api/v1/issued/<id>/void.

import { h } from "./form.js";
import { apiPost, apiRoot, networkProblem, notify, readProblem } from "./common.js";
import { setupDossiers } from "./dossier.js";

const $ = (id) => document.getElementById(id);
const FLASH = "register-flash";
const notice = $("notice");

// What the previous page load asked to say after it reloaded the list.
const flash = window.sessionStorage.getItem(FLASH);
if (flash) {
  window.sessionStorage.removeItem(FLASH);
  notify(notice, "success", flash);
}

setupDossiers();

const dialog = $("void-dialog");
if (dialog) setupVoid(dialog);

function setupVoid(box) {
  const reason = $("void-reason");
  const error = $("void-error");
  const confirm = $("void-confirm");
  let target = null;

  function showError(text) {
    error.replaceChildren(h("span", { "aria-hidden": "true", text: "⚠ " }),
      h("span", { class: "visually-hidden", text: "Lỗi: " }), text);
    error.hidden = false;
    reason.setAttribute("aria-invalid", "true");
    reason.focus();
  }

  for (const button of document.querySelectorAll(".register-void")) {
    button.addEventListener("click", () => {
      target = { id: button.dataset.id, label: button.dataset.label };
      $("void-label").textContent = target.label;
      reason.value = "";
      error.hidden = true;
      reason.removeAttribute("aria-invalid");
      box.showModal();
      reason.focus();
    });
  }
  $("void-cancel").addEventListener("click", () => box.close());

  $("void-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = reason.value.trim();
    if (!text) {
      showError("Ghi lý do hủy.");
      return;
    }
    confirm.disabled = true;
    try {
      const response = await apiPost(`${apiRoot()}/issued/${encodeURIComponent(target.id)}/void`,
        { reason: text });
      if (response.ok) {
        window.sessionStorage.setItem(FLASH, `Đã hủy văn bản ${target.label}.`);
        window.location.reload();
        return;
      }
      const problem = await readProblem(response);
      showError(problem.errors.length ? problem.errors[0].message
        : [problem.title, problem.detail].filter(Boolean).join(". "));
    } catch {
      const problem = networkProblem();
      showError(`${problem.title}. ${problem.detail}`);
    } finally {
      confirm.disabled = false;
    }
  });
}
