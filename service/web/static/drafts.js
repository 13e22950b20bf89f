// Typed work is never lost: the form is kept in the browser (localStorage) as the clerk types,
// one draft per document type, put back after a reload or a new sign-in, cleared only when
// the clerk asks ("Xóa bản nháp"); leaving the page with unsaved changes asks first.

const PREFIX = "thidua.draft.";
const SAVE_AFTER_MS = 400;

function storage() {
  try { return window.localStorage; } catch { return null; } // storage off: no drafts
}

export function draftKey(typeId) {
  return `${PREFIX}${typeId}`;
}

export function readDraft(typeId) {
  const store = storage();
  if (!store) return null;
  try {
    const draft = JSON.parse(store.getItem(draftKey(typeId)) || "null");
    return draft && draft.data && typeof draft.data === "object" ? draft : null;
  } catch { return null; }
}

export function clearDraft(typeId) {
  const store = storage();
  if (store) store.removeItem(draftKey(typeId));
}

function writeDraft(typeId, data) {
  const store = storage();
  if (!store) return;
  try {
    store.setItem(draftKey(typeId), JSON.stringify({ saved: new Date().toISOString(), data }));
  } catch { /* full: the page's own copy stays */ }
}

/** "14:05 ngày 08/12/2026" */
export function savedAt(draft) {
  const when = new Date(draft.saved);
  if (Number.isNaN(when.getTime())) return "";
  const two = (n) => String(n).padStart(2, "0");
  return `${two(when.getHours())}:${two(when.getMinutes())} ngày ${two(when.getDate())}/`
    + `${two(when.getMonth() + 1)}/${when.getFullYear()}`;
}

/**
 * Keep `form` (from buildForm) as a draft of `typeId`: saved a moment after each change,
 * restored now if there is one. Returns {restored, save(), clear()}.
 */
export function keepDrafts(form, typeId) {
  let timer = null;
  const save = () => {
    window.clearTimeout(timer);
    timer = null;
    if (form.isBlank()) clearDraft(typeId);
    else writeDraft(typeId, form.value());
  };
  const draft = readDraft(typeId);
  let restored = null;
  if (draft) {
    form.set(draft.data);
    restored = draft;
  }
  form.onChange(() => {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, SAVE_AFTER_MS);
  });
  window.addEventListener("pagehide", () => { if (timer) save(); });
  window.addEventListener("beforeunload", (event) => {
    if (timer) save();
    if (!form.dirty) return;
    event.preventDefault();
    event.returnValue = ""; // the browser's own "leave the page?" question
  });
  return { restored, save, clear: () => { window.clearTimeout(timer); timer = null; clearDraft(typeId); } };
}
