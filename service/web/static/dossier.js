// "Làm hồ sơ khen thưởng" on the register page: an issued commendation decision becomes its
// dossier (the certificates of everyone on its list, numbered from the commendation register,
// with the decision and the register entries) through POST /api/v1/issued/<id>/dossier, a
// batch job whose progress this shows until the file can be downloaded.

import { apiGet, apiPost, apiRoot, networkProblem, readProblem } from "./common.js";

const POLL_MS = 1000;
const FINISHED = new Set(["succeeded", "done_with_errors", "failed", "cancelled"]);
const number = new Intl.NumberFormat("vi-VN");

export function setupDossiers() {
  for (const button of document.querySelectorAll(".register-dossier")) {
    button.addEventListener("click", () => start(button));
  }
}

function say(box, text, kind = "") {
  box.hidden = false;
  box.className = `register-dossier-status${kind ? ` register-dossier-status--${kind}` : ""}`;
  box.replaceChildren(text);
}

async function start(button) {
  const box = document.getElementById(button.getAttribute("aria-controls"));
  button.disabled = true;
  say(box, "Đang chuẩn bị hồ sơ…");
  try {
    const response = await apiPost(
      `${apiRoot()}/issued/${encodeURIComponent(button.dataset.id)}/dossier`, {});
    if (!response.ok) {
      const problem = await readProblem(response);
      const first = problem.errors.length ? problem.errors[0].message : "";
      say(box, [problem.title, first || problem.detail].filter(Boolean).join(": "), "error");
      button.disabled = false;
      return;
    }
    await follow(box, await response.json());
  } catch {
    const problem = networkProblem();
    say(box, `${problem.title}. ${problem.detail}`, "error");
  }
  button.disabled = false;
}

async function follow(box, job) {
  while (!FINISHED.has(job.status)) {
    say(box, `Đang làm hồ sơ: ${number.format(job.done)}/${number.format(job.total)} bằng, giấy khen…`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    try {
      job = await apiGet(`${apiRoot()}/batches/${encodeURIComponent(job.id)}`);
    } catch (problem) {  // apiGet throws the problem of a failed answer
      if (problem instanceof Error) throw problem;
      say(box, [problem.title, problem.detail].filter(Boolean).join(". "), "error");
      return;
    }
  }
  if (!job.result_url) {
    say(box, "Không làm được hồ sơ. Hãy thử lại; nếu vẫn lỗi, báo quản trị viên.", "error");
    return;
  }
  const link = document.createElement("a");
  link.href = job.result_url;
  link.setAttribute("download", "");
  link.textContent = `Tải hồ sơ (${number.format(job.done)} bằng, giấy khen)`;
  box.hidden = false;
  box.className = "register-dossier-status register-dossier-status--done";
  box.replaceChildren(link);
}
