// The batch page: a list file (CSV/XLSX) + common fields → POST /api/v1/batches; every
// problem row is listed before anything runs; then the job's progress, its result and the
// recent jobs, all through the batches API.

import { buildForm, h } from "./form.js";
import { apiGet, apiPost, apiRoot, busy, formatTime, hide, networkProblem, notify, readProblem } from "./common.js";

const $ = (id) => document.getElementById(id);
const data = JSON.parse($("batch-data").textContent);
const details = new Map([[data.detail.id, data.detail]]);
const typeSelect = $("batch-type");
const fileInput = $("batch-file");
const submitButton = $("btn-submit");
const submitStatus = $("submit-status");
const problemsBox = $("problems");
const jobBox = $("job");
const STATUS = {
  queued: { icon: "…", label: "Đang chờ đến lượt" },
  running: { icon: "»", label: "Đang tạo văn bản" }, // no emoji: they need a font clerks may lack
  succeeded: { icon: "✓", label: "Hoàn thành" },
  done_with_errors: { icon: "!", label: "Hoàn thành, có mục lỗi" },
  failed: { icon: "✕", label: "Lỗi, lô không hoàn thành" },
  cancelled: { icon: "■", label: "Đã dừng" },
};
const OUTPUT_SHORT = { pdf: "PDF gộp", "zip-pdf": "ZIP các tệp PDF", "zip-docx": "ZIP các tệp Word" };
const FINISHED = new Set(["succeeded", "done_with_errors", "failed", "cancelled"]);

const KEPT = "thidua.batches"; // job id → {decision}: the decision number of a batch sent here
const jobStarted = new Map(); // job id → {at: ms, done} when this page first saw it running

function keptBatches() {
  try { return JSON.parse(window.localStorage.getItem(KEPT) || "{}") || {}; } catch { return {}; }
}

function keepBatch(id, decision) {
  try {
    const kept = keptBatches();
    kept[id] = { decision: decision || "" };
    const ids = Object.keys(kept);
    for (const old of ids.slice(0, Math.max(0, ids.length - 50))) delete kept[old];
    window.localStorage.setItem(KEPT, JSON.stringify(kept));
  } catch { /* storage off: the table shows a dash */ }
}

/** "còn khoảng 2 phút 10 giây", from the pace since this page first saw the job running. */
function timeLeft(job) {
  if (job.status !== "running" || !job.total) return "";
  const seen = jobStarted.get(job.id);
  if (!seen) { jobStarted.set(job.id, { at: Date.now(), done: job.done }); return ""; }
  const made = job.done - seen.done;
  if (made <= 0) return "";
  const seconds = Math.ceil(((Date.now() - seen.at) / 1000 / made) * (job.total - job.done));
  if (seconds < 60) return `còn khoảng ${Math.max(seconds, 1)} giây`;
  return `còn khoảng ${Math.floor(seconds / 60)} phút ${seconds % 60} giây`;
}

let detail = data.detail;
let common = null;
let fileError = null;
let pollTimer = null;
let currentJob = null;

const typeTitle = (id) => {
  const option = [...typeSelect.options].find((o) => o.value === id);
  return option ? option.textContent : id;
};

const OWN_DATE = "date";
const COMMON_MISSING = "Chưa điền: thông tin này dùng chung cho mọi dòng, điền một lần ở đây.";

/** Batch-only common fields the page knows, in the clerk's words. The register's first
 * number is text: "0125" keeps its zeros (sent and printed as typed). */
const BATCH_FIELDS = {
  register_start: {
    type: ["string", "null"], title: "Số sổ bắt đầu", maxLength: 12, pattern: "[0-9]+",
    description: "Các dòng không ghi số sổ được cấp số liên tiếp từ số này; số 0 đứng đầu "
      + "được giữ nguyên, ví dụ 0125 → 0125, 0126, …",
  },
};

/** The type's schema plus the batch-only common fields (x: batch_common, or the example's). */
function commonSchema(d) {
  const schema = JSON.parse(JSON.stringify(d.schema));
  const extra = (d.batch_common && d.batch_common.properties) || {};
  const exampleCommon = (d.batch_example && d.batch_example.common) || {};
  for (const key of Object.keys(exampleCommon)) {
    if (!(key in schema.properties) && !(key in extra)) {
      extra[key] = BATCH_FIELDS[key] || { type: ["string", "null"] };
    }
  }
  Object.assign(schema.properties, extra);
  return schema; // every field optional here (optionalAll); "required" only shapes the layout
}

/** Fields every document needs that the list does not carry: filled once in step 2. (A
 * row may carry its own date, so the date is left to the rows' check.) */
function commonRequired(d) {
  const columns = new Set(d.batch_columns || []);
  return (d.schema.required || []).filter((key) => !columns.has(key) && key !== OWN_DATE);
}

function setupType(d) {
  detail = d;
  const columns = (d.batch_columns || []).filter((c) => c in d.schema.properties);
  common = buildForm($("common-root"), commonSchema(d), {
    idPrefix: "c",
    optionalAll: true,
    markRequired: commonRequired(d),
    collapse: columns,
    collapseTitle: "Các cột của danh sách — chỉ điền nếu giống nhau cho mọi dòng",
    collapseHelp: "Những trường này thường ghi riêng cho từng dòng trong tệp. Điền ở đây thì dùng cho các dòng để trống ô đó.",
  });
  common.reset();
  const link = $("template-link");
  link.href = link.dataset.pattern.replace("__type__", encodeURIComponent(d.id));
  $("btn-common-sample").disabled = !(d.batch_example && d.batch_example.common);
  const formats = new Set(d.formats || []);
  let checked = null;
  for (const choice of document.querySelectorAll("#output-field .choice")) {
    const available = formats.has(choice.dataset.format);
    choice.hidden = !available;
    const radio = choice.querySelector("input");
    radio.disabled = !available;
    if (available && radio.checked) checked = radio;
  }
  if (!checked) {
    const first = document.querySelector("#output-field .choice:not([hidden]) input");
    if (first) first.checked = true;
  }
  clearProblems();
  const url = new URL(window.location.href);
  url.searchParams.set("loai", d.id);
  window.history.replaceState(null, "", url);
}

typeSelect.addEventListener("change", async () => {
  const id = typeSelect.value;
  try {
    if (!details.has(id)) details.set(id, await apiGet(`${apiRoot()}/document-types/${encodeURIComponent(id)}`));
    setupType(details.get(id));
    submitStatus.textContent = `Đã chọn: ${typeTitle(id)}.`;
  } catch (problem) {
    showProblems(problem && problem.title ? problem : networkProblem());
  }
});

$("btn-common-sample").addEventListener("click", () => {
  const sample = detail.batch_example && detail.batch_example.common;
  if (!sample) return;
  if (common.dirty && !window.confirm("Dữ liệu mẫu sẽ thay thông tin chung đang nhập. Tiếp tục?")) return;
  common.set(sample);
  submitStatus.textContent = "Đã điền thông tin chung mẫu. Hãy sửa lại theo quyết định của đơn vị.";
});

$("btn-common-clear").addEventListener("click", () => {
  if (common.dirty && !window.confirm("Xóa trắng thông tin chung?")) return;
  common.reset();
});

fileInput.addEventListener("change", () => {
  const file = fileInput.files && fileInput.files[0];
  $("batch-file-name").textContent = file ? file.name : "Chưa chọn tệp nào";
  setFileError(null);
});

// ------------------------------------------------------------------------------ problems

function setFileError(message) {
  const field = $("file-field");
  if (fileError) fileError.remove();
  fileError = null;
  field.classList.remove("has-error");
  fileInput.removeAttribute("aria-invalid");
  fileInput.setAttribute("aria-describedby", "batch-file-help");
  if (!message) return;
  fileError = h("p", { class: "field-error", id: "batch-file-err" },
    h("span", { class: "field-error__icon", "aria-hidden": "true", text: "⚠" }),
    h("span", { class: "visually-hidden", text: "Lỗi: " }), message);
  fileInput.parentElement.before(fileError);
  field.classList.add("has-error");
  fileInput.setAttribute("aria-invalid", "true");
  fileInput.setAttribute("aria-describedby", "batch-file-help batch-file-err");
}

function clearProblems() {
  problemsBox.hidden = true;
  $("problems-body").replaceChildren();
  setFileError(null);
  if (common) common.clearErrors();
}

function columnTitle(err) {
  const tokens = (err.pointer || "").split("/").slice(3);
  const byPointer = tokens.length ? common.titleOf(tokens.join(".")) : null;
  if (byPointer) return byPointer;
  if (err.column) return common.titleOf(err.column) || err.column;
  return "—";
}

/** A field the list does not carry, missing in every row that reports it, is one message
 * beside its field in step 2 (not one per row). */
function foldCommonErrors(errors) {
  const columns = new Set(detail.batch_columns || []);
  const out = [];
  const seen = new Set();
  for (const err of errors) {
    const match = /^\/items\/\d+\/(.+)$/.exec(err.pointer || "");
    const path = match && match[1].split("/");
    if (err.code === "required" && path && !columns.has(path[0]) && common.titleOf(path.join("."))) {
      const pointer = `/common/${path.join("/")}`;
      if (!seen.has(pointer)) out.push({ ...err, pointer, row: undefined, message: COMMON_MISSING });
      seen.add(pointer);
    } else {
      out.push(err);
    }
  }
  return out;
}

function showProblems(problem) {
  clearProblems();
  const errors = foldCommonErrors(problem.errors || []);
  const commonErrors = errors.filter((e) => (e.pointer || "").startsWith("/common"));
  const fileErrors = errors.filter((e) => ["/file", "/document_type", "/output"].includes(e.pointer));
  const rows = errors.filter((e) => !commonErrors.includes(e) && !fileErrors.includes(e));
  if (commonErrors.length) common.showErrors(commonErrors, "/common");
  if (fileErrors.length) setFileError(fileErrors.map((e) => e.message).join(" "));
  const rowNumber = (e) => {
    if (Number.isInteger(e.row)) return e.row;
    const item = /^\/items\/(\d+)/.exec(e.pointer || "");
    return item ? Number(item[1]) + 1 : null;
  };
  rows.sort((a, b) => (rowNumber(a) ?? -1) - (rowNumber(b) ?? -1));
  const body = $("problems-body");
  for (const err of rows) {
    const where = Number.isInteger(err.row) ? String(err.row)
      : rowNumber(err) !== null ? `mục ${rowNumber(err)}` : "—";
    body.append(h("tr", {}, h("td", { class: "num", "data-label": "Dòng", text: where }),
      h("td", { "data-label": "Cột", text: columnTitle(err) }), h("td", { "data-label": "Lỗi", text: err.message })));
  }
  $("problems-table").hidden = rows.length === 0;
  const badRows = new Set(rows.map(rowNumber).filter((n) => n !== null));
  const summary = [];
  if (badRows.size) summary.push(`${badRows.size} dòng có lỗi (${rows.length} lỗi).`);
  else if (problem.detail && !commonErrors.length) summary.push(problem.detail);
  if (commonErrors.length) summary.push(`${commonErrors.length} lỗi ở phần thông tin chung (bước 2), ghi ngay cạnh ô cần sửa.`);
  if (fileErrors.length) summary.push("Xem lỗi ở ô chọn tệp (bước 1).");
  summary.push("Sửa trong tệp, lưu lại, chọn lại tệp rồi bấm nút lần nữa.");
  $("problems-title").lastChild.textContent = errors.length
    ? " Danh sách có lỗi — chưa tạo văn bản nào"
    : ` ${problem.title}`;
  $("problems-detail").textContent = summary.join(" ");
  problemsBox.hidden = false;
  problemsBox.focus();
}

// ------------------------------------------------------------------------------ submit

$("batch-form").addEventListener("submit", (event) => {
  event.preventDefault();
  busy([submitButton], submit);
});

async function submit() {
  clearProblems();
  const file = fileInput.files && fileInput.files[0];
  if (!file) {
    setFileError("Hãy chọn tệp danh sách Excel.");
    fileInput.focus();
    submitStatus.textContent = "Chưa chọn tệp danh sách.";
    return;
  }
  let bytes;
  try {
    bytes = await file.arrayBuffer(); // a file changed on disk since it was chosen fails here
  } catch {
    setFileError("Không đọc được tệp (có thể tệp đã được sửa sau khi chọn). Hãy chọn lại tệp.");
    fileInput.focus();
    return;
  }
  const values = common.value();
  const missing = commonRequired(detail).filter((key) => values[key] === undefined || values[key] === null
    || values[key] === "");
  if (missing.length) { // step 2 first: one message beside each empty field, not one per row
    const errors = missing.map((key) => ({ pointer: `/common/${key}`, code: "required", message: COMMON_MISSING }));
    submitStatus.textContent = "Thông tin chung (bước 2) còn thiếu; chưa gửi danh sách.";
    showProblems({ title: "Thông tin chung còn thiếu", detail: "", errors });
    return;
  }
  const output = document.querySelector('#output-field input[name="output"]:checked');
  const body = new FormData();
  body.append("document_type", detail.id);
  body.append("output", output ? output.value : "pdf");
  body.append("common", JSON.stringify(values));
  body.append("file", new Blob([bytes], { type: file.type || "application/octet-stream" }), file.name);
  const checking = showChecking(file);
  let response;
  try {
    response = await apiPost(`${apiRoot()}/batches`, body);
  } catch {
    checking.stop();
    submitStatus.textContent = "";
    showProblems(networkProblem());
    return;
  }
  checking.stop();
  if (response.status === 202) {
    const job = await response.json();
    submitStatus.textContent = `Danh sách hợp lệ: ${job.total} văn bản. Lô đã bắt đầu.`;
    keepBatch(job.id, values.decision_number);
    startJob(job);
    return;
  }
  const problem = await readProblem(response);
  submitStatus.textContent = "Danh sách chưa hợp lệ, chưa tạo văn bản nào.";
  showProblems(problem);
}

/** While the service reads and checks every row: a moving bar and the seconds so far. */
function showChecking(file) {
  const bar = $("check-progress");
  const started = Date.now();
  const size = file.size > 1024 * 1024 ? `${(file.size / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(file.size / 1024)} KB`;
  const tick = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    submitStatus.textContent = `Đang đọc và kiểm tra từng dòng của danh sách (${size})…`
      + (seconds ? ` ${seconds} giây.` : "");
  };
  tick();
  bar.hidden = false;
  bar.removeAttribute("value"); // indeterminate: the service answers once every row is checked
  const timer = window.setInterval(tick, 1000);
  return { stop() { window.clearInterval(timer); bar.hidden = true; } };
}

// ------------------------------------------------------------------------------ job

function percentOf(job) {
  if (job.status === "succeeded" || job.status === "done_with_errors") return 100;
  return job.total ? Math.floor((job.done * 100) / job.total) : 0;
}

function renderJob(job) {
  const state = STATUS[job.status] || { icon: "", label: job.status };
  const progress = $("job-progress");
  progress.max = Math.max(job.total, 1);
  progress.value = percentOf(job) === 100 ? Math.max(job.total, 1) : Math.min(job.done, job.total);
  const percent = percentOf(job);
  $("job-percent").textContent = `${percent} %`;
  progress.setAttribute("aria-valuetext", `${percent} %`);
  $("job-title").textContent = `Lô ${typeTitle(job.document_type)} — ${OUTPUT_SHORT[job.output] || job.output}`;
  $("job-status").replaceChildren(h("span", { class: `badge badge--${job.status}` },
    h("span", { "aria-hidden": "true", text: state.icon }), state.label));
  const counts = [`Đã tạo ${job.done}/${job.total} văn bản`];
  const left = timeLeft(job);
  if (left) counts.push(left);
  if (job.failed) counts.push(`lỗi ${job.failed}`);
  counts.push(`gửi lúc ${formatTime(job.created_at)}`);
  $("job-counts").textContent = `${counts.join(", ")}.`;
  const download = $("job-download");
  download.hidden = !job.result_url;
  if (job.result_url) download.href = job.result_url;
  $("btn-cancel").hidden = FINISHED.has(job.status);
  $("job-errors").replaceChildren(...[...(job.errors || []), ...(job.failed_items || [])].map((e) =>
    h("li", { text: (e && e.message) || (typeof e === "string" ? e : JSON.stringify(e)) })));
}

function startJob(job, focus = true) {
  currentJob = job.id;
  jobBox.hidden = false;
  renderJob(job);
  if (focus) jobBox.focus();
  window.clearTimeout(pollTimer);
  pollTimer = window.setTimeout(poll, 700);
  refreshRecent();
}

async function poll() {
  const id = currentJob;
  try {
    const job = await apiGet(`${apiRoot()}/batches/${encodeURIComponent(id)}`);
    if (id !== currentJob) return;
    renderJob(job);
    if (FINISHED.has(job.status)) {
      refreshRecent();
      return;
    }
  } catch {
    $("job-counts").textContent = "Mất kết nối tạm thời; đang thử lại…";
  }
  pollTimer = window.setTimeout(poll, 1000);
}

$("btn-cancel").addEventListener("click", async () => {
  if (!currentJob) return;
  const response = await apiPost(`${apiRoot()}/batches/${encodeURIComponent(currentJob)}/cancel`, {});
  if (response.ok) renderJob(await response.json());
  else {
    const problem = await readProblem(response);
    $("job-counts").textContent = `${problem.title}. ${problem.detail}`;
  }
});

// ------------------------------------------------------------------------------ recent jobs

async function refreshRecent() {
  let jobs;
  try {
    jobs = await apiGet(`${apiRoot()}/batches?limit=10`);
  } catch {
    return;
  }
  const body = $("recent-body");
  const kept = keptBatches();
  body.replaceChildren();
  for (const job of jobs) {
    const state = STATUS[job.status] || { icon: "", label: job.status };
    const when = formatTime(job.created_at);
    const file = job.result_url
      ? h("a", { href: job.result_url, download: "", text: "Tải về", "aria-label": `Tải kết quả lô gửi lúc ${when}` })
      : h("span", { class: "help", text: "—" });
    const decision = (kept[job.id] && kept[job.id].decision) || "—";
    body.append(h("tr", {},
      h("td", { class: "num", "data-label": "Gửi lúc", text: when }),
      h("td", { "data-label": "Loại văn bản", text: typeTitle(job.document_type) }),
      h("td", { "data-label": "Quyết định", text: decision }),
      h("td", { class: "num", "data-label": "Số dòng", text: String(job.total) }),
      h("td", { "data-label": "Kết quả", text: OUTPUT_SHORT[job.output] || job.output }),
      h("td", { "data-label": "Trạng thái" }, h("span", { class: `badge badge--${job.status}` },
        h("span", { "aria-hidden": "true", text: state.icon }), state.label)),
      h("td", { class: "num", "data-label": "Tiến độ", text: `${job.done}/${job.total}` }),
      h("td", { "data-label": "Tệp" }, file)));
  }
  $("recent-table").hidden = jobs.length === 0;
  $("recent-empty").hidden = jobs.length > 0;
  if (!currentJob && jobs.length && !FINISHED.has(jobs[0].status)) startJob(jobs[0], false);
}

setupType(detail);
refreshRecent();
