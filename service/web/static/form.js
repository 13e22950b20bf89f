// A form built from a JSON Schema (the one GET /api/v1/document-types/<id> returns), so a new
// document type gets its form without new page code.
//
// Understood: title, description, type (with "null" for optional values), enum (+ x-enum_titles),
// format: date, x-multiline / x-widget ("textarea", "image", "number", "date"), x-order,
// x-item_title (the name of one entry of a list), minItems/maxItems, nested objects, arrays of
// strings or objects (added, removed and reordered), default.
//
// Values are never parsed as markup: every text reaches the page through textContent or an
// attribute. Errors from the API ({pointer, message}) are placed next to the field the JSON
// pointer names, and nothing the clerk typed is touched.

export const EMPTY = Symbol("empty");

let idCounter = 0;
const nextId = (prefix) => `${prefix}-${++idCounter}`;

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function typesOf(schema) {
  const t = schema.type;
  return Array.isArray(t) ? t : t ? [t] : [];
}

const isNullable = (schema) => typesOf(schema).includes("null");
const mainType = (schema) => typesOf(schema).find((t) => t !== "null") || null;

function capitalise(text) {
  return text ? text.charAt(0).toLocaleUpperCase("vi") + text.slice(1) : text;
}

function humanise(key) {
  return capitalise(String(key).replace(/[_-]+/g, " "));
}

/** The name of one entry of a list: x-item_title, else the list's title without "Các". */
function itemTitleOf(schema) {
  if (schema["x-item_title"]) return schema["x-item_title"];
  const title = schema.title || "";
  const match = /^(các|những)\s+(.+)$/iu.exec(title);
  if (match) return capitalise(match[2]);
  return title || "Mục";
}

/** Labels of enum values: x-enum_titles, else "value (Label)" in the description, else the value. */
function enumLabels(schema) {
  const given = schema["x-enum_titles"];
  const labels = {};
  for (const [index, value] of (schema.enum || []).entries()) {
    let label = null;
    if (Array.isArray(given)) label = given[index];
    else if (given && typeof given === "object") label = given[value];
    if (!label && schema.description) {
      const escaped = String(value).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const found = new RegExp(`(?:^|[\\s,;:])${escaped}\\s*\\(([^)]+)\\)`, "u").exec(schema.description);
      if (found) label = capitalise(found[1].trim());
    }
    labels[value] = label || String(value);
  }
  return labels;
}

export function widgetOf(schema) {
  const widget = schema["x-widget"];
  const type = mainType(schema);
  if (schema.enum) return "select";
  if (widget === "image") return "image";
  if (type === "boolean") return "checkbox";
  if (schema.format === "date" || widget === "date") return "date";
  if (type === "integer" || type === "number" || widget === "number") return "number";
  if (type === "object") return "object";
  if (type === "array") return "array";
  if (type === "string") {
    if (schema["x-multiline"] || widget === "textarea" || (schema.maxLength || 0) > 300) return "textarea";
    return "text";
  }
  return "any";
}

/** Properties in the schema's order (x-property-order: JSON output sorts keys), then by x-order. */
function orderedProperties(schema) {
  const properties = schema.properties || {};
  const declared = (schema["x-property-order"] || []).filter((key) => key in properties);
  const keys = [...declared, ...Object.keys(properties).filter((key) => !declared.includes(key))]
    .filter((key) => properties[key]["x-form"] !== false); // set by the service, not typed
  return keys
    .map((key, index) => ({ key, sub: properties[key], index, order: Number(properties[key]["x-order"] ?? 0) }))
    .sort((a, b) => a.order - b.order || a.index - b.index);
}

function parseNumber(raw, integer) {
  const text = raw.trim().replace(/\s+/g, "");
  if (integer && /^[+-]?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (!integer && /^[+-]?\d+([.,]\d+)?$/.test(text)) return Number(text.replace(",", "."));
  return raw.trim(); // not a number: sent as typed, so the API's message names the problem
}

/** "28/12/2026" (as Vietnamese write dates) or "2026-12-28" → "2026-12-28"; else null. */
export function toIsoDate(value) {
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  const vn = /^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})$/.exec(text);
  if (!vn) return null;
  const year = vn[3].length === 4 ? vn[3] : fullYear(Number(vn[3]));
  return year ? `${year}-${vn[2].padStart(2, "0")}-${vn[1].padStart(2, "0")}` : null;
}

/** "26" in "5/12/26" → "2026": of 19xx and 20xx the one a document may carry (1945 up to next
 * year). 1945-1999 end in 45-99 and the years from 2000 end in 00 up to about 27, so the two
 * never share two digits; none fits ("35") → null, and the date is sent as typed so the
 * service's message asks for ngày/tháng/năm. (service/tabular/cells.py reads rows the same.) */
function fullYear(twoDigits) {
  const latest = new Date().getFullYear() + 1;
  const fits = [2000 + twoDigits, 1900 + twoDigits].filter((y) => y >= 1945 && y <= latest);
  return fits.length === 1 ? String(fits[0]) : null;
}

/** "2026-12-28" → "28/12/2026". */
export function toVnDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

// ------------------------------------------------------------------------------- nodes

class Node {
  constructor(ctx, schema, parent, key, required) {
    this.ctx = ctx;
    this.schema = schema;
    this.parent = parent;
    this.key = key;
    this.required = Boolean(required) && !ctx.optionalAll;
    // marked required without changing what is sent (a batch's common fields: see batch.js)
    this.marked = Boolean(parent && !parent.parent && ctx.marked.has(key));
    this.nullable = isNullable(schema);
    this.id = nextId(ctx.idPrefix);
    this.errorEl = null;
  }

  get title() {
    if (this.parent instanceof ArrayNode) return `${this.parent.itemTitle} ${this.parent.indexOf(this) + 1}`;
    return this.schema.title || humanise(this.key);
  }

  tokens() {
    if (!this.parent) return [];
    const token = this.parent instanceof ArrayNode ? this.parent.indexOf(this) : this.key;
    return [...this.parent.tokens(), String(token)];
  }

  pointer() {
    return this.tokens().map((t) => "/" + t.replace(/~/g, "~0").replace(/\//g, "~1")).join("");
  }

  /** "Phần 2 › Mục 1 › Nội dung": the titles from the top, list names left out under items. */
  labelPath() {
    const parts = [];
    let node = this;
    while (node && node.parent) {
      parts.unshift(node.title);
      node = node.parent instanceof ArrayNode ? node.parent.parent : node.parent;
    }
    return parts.join(" › ");
  }

  find(tokens) {
    return this;
  }

  helpText() {
    return this.schema.description || "";
  }

  helpEl() {
    const text = this.helpText();
    return text ? h("p", { class: "help", id: `${this.id}-help`, text }) : null;
  }

  makeErrorEl() {
    this.errorEl = h("p", { class: "field-error", id: `${this.id}-err`, hidden: true });
    return this.errorEl;
  }

  describedBy(...extra) {
    return [this.helpText() ? `${this.id}-help` : null, ...extra].filter(Boolean).join(" ") || undefined;
  }

  showError(messages) {
    if (!this.errorEl) return;
    this.errorEl.replaceChildren(
      h("span", { class: "field-error__icon", "aria-hidden": "true", text: "⚠" }),
      h("span", { class: "visually-hidden", text: "Lỗi: " }),
      messages.join(" "),
    );
    this.errorEl.hidden = false;
    this.container.classList.add("has-error");
    this.markInvalid(true);
  }

  clearError() {
    if (!this.errorEl || this.errorEl.hidden) return;
    this.errorEl.hidden = true;
    this.errorEl.replaceChildren();
    this.container.classList.remove("has-error");
    this.markInvalid(false);
  }

  markInvalid() {}

  refresh() {
    this.container.dataset.field = this.pointer();
  }

  walk(visit) {
    visit(this);
  }
}

class ScalarNode extends Node {
  constructor(ctx, schema, parent, key, required) {
    super(ctx, schema, parent, key, required);
    this.widget = widgetOf(schema);
    this.imageValue = null;
    this.build();
  }

  build() {
    const wide = this.widget === "textarea" || (this.widget === "text" && (this.schema.maxLength || 0) > 150) ||
      this.widget === "image";
    this.container = h("div", { class: `field field--${this.widget}${wide ? " field--wide" : ""}` });
    this.label = h("label", { class: "field__label", for: this.id });
    this.relabel();
    const control = this.makeControl();
    this.control = control;
    control.id = this.id;
    const described = this.describedBy(`${this.id}-err`);
    if (described) control.setAttribute("aria-describedby", described);
    if (this.required || this.marked) control.setAttribute("aria-required", "true");
    control.addEventListener("input", () => this.changed());
    control.addEventListener("change", () => this.changed());
    if (this.widget === "checkbox") {
      this.container.append(...[h("div", { class: "checkbox" }, control, this.label), this.helpEl(),
        this.makeErrorEl()].filter(Boolean));
    } else {
      this.head = this.parent instanceof ArrayNode ? h("div", { class: "item__head" }, this.label) : this.label;
      const widget = this.widget === "image" ? this.picker : control;
      this.container.append(...[this.head, this.helpEl(), this.makeErrorEl(), widget].filter(Boolean));
      if (this.widget === "image") this.container.append(this.imagePreview);
    }
    this.set(undefined);
  }

  helpText() {
    const text = super.helpText();
    if (this.widget !== "date") return text;
    return `${text}${text ? " " : ""}Ghi ngày/tháng/năm, ví dụ 28/12/2026.`;
  }

  relabel() {
    this.label.replaceChildren(this.title);
    if ((this.required || this.marked) && !(this.parent instanceof ArrayNode)) {
      this.label.append(" ", h("span", { class: "req", "aria-hidden": "true", text: "*" }));
    }
  }

  makeControl() {
    const s = this.schema;
    switch (this.widget) {
      case "select": {
        const select = h("select", {});
        const labels = enumLabels(s);
        const placeholder = this.required && s.default === undefined ? "— Chọn —" : "— Không chọn —";
        select.append(h("option", { value: "", text: placeholder }));
        for (const value of s.enum) select.append(h("option", { value, text: labels[value] }));
        return select;
      }
      case "checkbox":
        return h("input", { type: "checkbox" });
      case "date": // typed as dd/mm/yyyy whatever the browser's language (type=date is not)
        return h("input", { type: "text", placeholder: "dd/mm/yyyy", autocomplete: "off",
          class: "input--short", "data-widget": "date" });
      case "number":
        return h("input", { type: "text", inputmode: mainType(s) === "integer" ? "numeric" : "decimal",
          autocomplete: "off", class: "input--short" });
      case "textarea":
        return h("textarea", { rows: (s.maxLength || 0) > 1000 ? 4 : 3, maxlength: s.maxLength, spellcheck: "true" });
      case "image": {
        const input = h("input", { type: "file", accept: "image/png,image/jpeg,image/svg+xml",
          class: "visually-hidden file-picker__input" });
        this.pickerName = h("span", { class: "file-picker__name", text: "Chưa chọn ảnh" });
        this.picker = h("div", { class: "file-picker" }, input,
          h("label", { for: this.id, class: "button file-picker__button", "aria-hidden": "true", text: "Chọn ảnh…" }),
          this.pickerName);
        this.imageEl = h("img", { class: "image-preview__img", alt: `${this.title} đã chọn` });
        this.imageClear = h("button", { type: "button", class: "button button--small", text: "Bỏ ảnh",
          "aria-label": `Bỏ ảnh ${this.title}`, onclick: () => { this.setImage(null); input.value = ""; this.changed(); } });
        this.imagePreview = h("div", { class: "image-preview", hidden: true }, this.imageEl, this.imageClear);
        input.addEventListener("change", () => this.readImage(input));
        return input;
      }
      default:
        return h("input", { type: "text", maxlength: s.maxLength ? s.maxLength + 50 : undefined,
          autocomplete: "off", spellcheck: this.widget === "text" ? "true" : undefined });
    }
  }

  readImage(input) {
    const file = input.files && input.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.addEventListener("load", () => { this.setImage(String(reader.result), file.name); this.changed(); });
    reader.readAsDataURL(file);
  }

  setImage(dataUrl, name = "") {
    this.imageValue = dataUrl || null;
    this.pickerName.textContent = this.imageValue ? name || "Ảnh đã chọn" : "Chưa chọn ảnh";
    this.imagePreview.hidden = !this.imageValue;
    if (this.imageValue) this.imageEl.src = this.imageValue;
    else this.imageEl.removeAttribute("src");
  }

  changed() {
    this.clearError();
    this.ctx.changed(this);
  }

  value() {
    const c = this.control;
    switch (this.widget) {
      case "checkbox":
        return c.checked;
      case "image":
        return this.imageValue || EMPTY;
      case "number":
        return c.value.trim() === "" ? EMPTY : parseNumber(c.value, mainType(this.schema) === "integer");
      case "date":
        return c.value.trim() === "" ? EMPTY : toIsoDate(c.value) || c.value.trim();
      case "any": {
        if (c.value.trim() === "") return EMPTY;
        return /^[+-]?\d+([.,]\d+)?$/.test(c.value.trim()) ? parseNumber(c.value, false) : c.value;
      }
      default:
        return c.value.trim() === "" ? EMPTY : c.value;
    }
  }

  set(value) {
    if (value === undefined) value = this.schema.default;
    const c = this.control;
    switch (this.widget) {
      case "checkbox":
        c.checked = Boolean(value);
        return;
      case "image":
        this.setImage(typeof value === "string" && value.startsWith("data:image/") ? value : null);
        return;
      case "select": {
        const text = value === null || value === undefined ? "" : String(value);
        if (text && ![...c.options].some((o) => o.value === text)) {
          c.append(h("option", { value: text, text })); // keep an imported value the list lacks
        }
        c.value = text;
        return;
      }
      case "date": {
        if (value === null || value === undefined) { c.value = ""; return; }
        const iso = toIsoDate(String(value));
        c.value = iso ? toVnDate(iso) : String(value); // an unreadable date stays as written
        return;
      }
      default:
        if (value === null || value === undefined) c.value = "";
        else if (typeof value === "object") c.value = JSON.stringify(value);
        else c.value = String(value);
    }
  }

  /** Nothing typed: empty, unchecked, or still the schema's default. */
  isBlank() {
    const v = this.value();
    return v === EMPTY || v === false || (this.schema.default !== undefined && v === this.schema.default);
  }

  markInvalid(invalid) {
    if (invalid) this.control.setAttribute("aria-invalid", "true");
    else this.control.removeAttribute("aria-invalid");
  }

  focus() {
    this.control.focus();
  }

  refresh() {
    super.refresh();
    this.control.dataset.pointer = this.pointer();
    this.relabel();
    if (this.imageClear) this.imageClear.setAttribute("aria-label", `Bỏ ảnh ${this.title}`);
  }
}

class ObjectNode extends Node {
  constructor(ctx, schema, parent, key, required, options = {}) {
    super(ctx, schema, parent, key, required);
    this.children = new Map();
    this.isRoot = !parent;
    // A group the schema does not require (a table under a point, the options of a list) is
    // offered behind a checkbox: unticked, it is sent as nothing and takes no room.
    this.optionalGroup = !required && !this.isRoot && !(parent instanceof ArrayNode);
    this.build(options);
  }

  build(options) {
    const requiredKeys = new Set(this.schema.required || []);
    const grid = h("div", { class: "fields" });
    const collapsed = new Set(options.collapse || []);
    let details = null;
    if (this.isRoot) {
      this.container = h("div", { class: "form-fields" });
      this.container.append(this.makeErrorEl(), grid);
    } else if (this.parent instanceof ArrayNode) {
      // An entry of a list: the legend names the group for assistive technology; the visible
      // title shares a row with the entry's buttons.
      this.legend = h("legend", { class: "visually-hidden" });
      this.headTitle = h("span", { class: "item__title", "aria-hidden": "true" });
      this.head = h("div", { class: "item__head" }, this.headTitle);
      this.container = h("fieldset", { class: "group field--wide" }, this.legend, this.head, this.helpEl(),
        this.makeErrorEl(), grid);
      this.relabel();
    } else if (this.optionalGroup) {
      this.toggle = h("input", { type: "checkbox", id: `${this.id}-on`, "aria-controls": `${this.id}-group`,
        "aria-describedby": this.describedBy() });
      this.toggleLabel = h("label", { for: `${this.id}-on`, class: "field__label" });
      this.toggle.addEventListener("change", () => this.onToggle());
      this.legend = h("legend", { class: "visually-hidden" });
      this.group = h("fieldset", { class: "group", id: `${this.id}-group`, hidden: true }, this.legend, grid);
      this.container = h("div", { class: "optional-group field--wide" },
        h("div", { class: "checkbox" }, this.toggle, this.toggleLabel), this.helpEl(), this.makeErrorEl(), this.group);
      this.relabel();
    } else {
      this.legend = h("legend", { class: "group__legend" });
      this.container = h("fieldset", { class: "group field--wide" }, this.legend, this.helpEl(), this.makeErrorEl(), grid);
      this.relabel();
    }
    for (const { key, sub } of orderedProperties(this.schema)) {
      const child = makeNode(this.ctx, sub, this, key, requiredKeys.has(key));
      this.children.set(key, child);
      if (collapsed.has(key)) {
        if (!details) {
          details = h("div", { class: "fields" });
          this.container.append(h("details", { class: "more-fields" },
            h("summary", { text: options.collapseTitle || "Các trường khác" }),
            options.collapseHelp ? h("p", { class: "help", text: options.collapseHelp }) : null, details));
        }
        details.append(child.container);
      } else {
        grid.append(child.container);
      }
    }
  }

  onToggle() {
    this.group.hidden = !this.toggle.checked;
    this.clearError();
    this.ctx.changed(this);
    if (this.toggle.checked) {
      const first = this.children.values().next().value;
      if (first) first.focus();
    }
  }

  relabel() {
    if (!this.legend) return;
    this.legend.replaceChildren(this.title);
    if (this.headTitle) this.headTitle.textContent = this.title;
    if (this.toggleLabel) this.toggleLabel.textContent = this.title;
    if ((this.required || this.marked) && !(this.parent instanceof ArrayNode)) {
      this.legend.append(" ", h("span", { class: "req", "aria-hidden": "true", text: "*" }));
      if (this.toggleLabel) this.toggleLabel.append(" ", h("span", { class: "req", "aria-hidden": "true", text: "*" }));
    }
  }

  child(token) {
    return this.children.get(token);
  }

  find(tokens) {
    if (!tokens.length || (this.optionalGroup && !this.toggle.checked)) return this;
    const child = this.child(tokens[0]);
    return child ? child.find(tokens.slice(1)) : this;
  }

  /** An optional group left out, or left untouched in a batch's common fields, is sent as
   * nothing (or null), never half-empty. */
  value() {
    if (this.optionalGroup) {
      if (!this.toggle.checked) return EMPTY;
    } else if (!this.isRoot && !(this.parent instanceof ArrayNode) && !this.required && this.isBlank()) {
      return EMPTY;
    }
    const out = {};
    for (const [key, child] of this.children) {
      const v = child.value();
      if (v === EMPTY) {
        if (child.nullable && !this.ctx.optionalAll) out[key] = null;
        continue;
      }
      out[key] = v;
    }
    return out;
  }

  set(value) {
    const given = value && typeof value === "object" && !Array.isArray(value) ? value : {};
    if (value !== undefined && value !== null && given !== value) {
      this.ctx.warn(`${this.labelPath() || "Tệp"}: dữ liệu không phải một nhóm trường, đã bỏ qua.`);
    }
    for (const [key, child] of this.children) child.set(given[key]);
    for (const key of Object.keys(given)) {
      if (!this.children.has(key)) this.ctx.ignored.push(`${this.pointer()}/${key}`);
    }
    if (this.optionalGroup) {
      this.toggle.checked = given === value;
      this.group.hidden = !this.toggle.checked;
    }
  }

  isBlank() {
    if (this.optionalGroup) return !this.toggle.checked;
    return [...this.children.values()].every((c) => c.isBlank());
  }

  focus() {
    if (this.optionalGroup && !this.toggle.checked) {
      this.toggle.focus();
      return;
    }
    const first = this.children.values().next().value;
    if (first) first.focus();
  }

  refresh() {
    super.refresh();
    this.relabel();
    for (const child of this.children.values()) child.refresh();
  }

  walk(visit) {
    visit(this);
    for (const child of this.children.values()) child.walk(visit);
  }
}

class ArrayNode extends Node {
  constructor(ctx, schema, parent, key, required) {
    super(ctx, schema, parent, key, required);
    this.itemSchema = schema.items || {};
    this.itemTitle = itemTitleOf(schema);
    this.items = []; // {node, slot, up, down, remove}
    this.build();
  }

  build() {
    const asItem = this.parent instanceof ArrayNode;
    this.legend = h("legend", { class: asItem ? "visually-hidden" : "group__legend" });
    if (asItem) {
      this.headTitle = h("span", { class: "item__title", "aria-hidden": "true" });
      this.head = h("div", { class: "item__head" }, this.headTitle);
    }
    this.list = h("ol", { class: "items", role: "list" });
    this.addButton = h("button", { type: "button", class: "button button--add", onclick: () => this.onAdd() },
      h("span", { "aria-hidden": "true", text: "+ " }), `Thêm ${this.itemTitle.toLocaleLowerCase("vi")}`);
    // After Xóa: what was removed, with "Hoàn tác"; it takes the focus, so a second Enter
    // does nothing (it never lands on the next Xóa).
    this.undoText = h("span", {});
    this.undoButton = h("button", { type: "button", class: "button button--small", onclick: () => this.undo() },
      "Hoàn tác");
    this.undoBar = h("p", { class: "undo-bar", tabindex: "-1", hidden: true }, this.undoText, " ", this.undoButton);
    this.removed = null;
    this.container = h("fieldset", { class: "group group--array field--wide" }, this.legend, this.head,
      this.helpEl(), this.makeErrorEl(), this.list, this.undoBar, this.addButton);
    this.relabel();
  }

  relabel() {
    this.legend.replaceChildren(this.title);
    if (this.headTitle) this.headTitle.textContent = this.title;
    if ((this.required || this.marked) && !(this.parent instanceof ArrayNode)) {
      this.legend.append(" ", h("span", { class: "req", "aria-hidden": "true", text: "*" }));
    }
    this.addButton.setAttribute("aria-label", `Thêm ${this.itemTitle.toLocaleLowerCase("vi")} vào ${this.title}`);
  }

  indexOf(node) {
    return this.items.findIndex((item) => item.node === node);
  }

  child(token) {
    if (!/^\d+$/.test(token)) return undefined;
    const item = this.items[Number(token)];
    return item && item.node;
  }

  find(tokens) {
    if (!tokens.length) return this;
    const child = this.child(tokens[0]);
    return child ? child.find(tokens.slice(1)) : this;
  }

  addItem(value, position = this.items.length) {
    const node = makeNode(this.ctx, this.itemSchema, this, null, true);
    const item = { node };
    item.up = h("button", { type: "button", class: "button button--small", onclick: () => this.move(item, -1) },
      h("span", { "aria-hidden": "true", text: "↑ " }), "Lên");
    item.down = h("button", { type: "button", class: "button button--small", onclick: () => this.move(item, 1) },
      h("span", { "aria-hidden": "true", text: "↓ " }), "Xuống");
    item.remove = h("button", { type: "button", class: "button button--small button--danger", onclick: () => this.remove(item) },
      h("span", { "aria-hidden": "true", text: "✕ " }), "Xóa");
    const tools = h("div", { class: "item__tools" }, item.up, item.down, item.remove);
    item.slot = h("li", { class: `item ${node instanceof ScalarNode ? "item--scalar" : "item--group"}` });
    if (node.head) node.head.append(tools);
    else node.container.prepend(tools);
    item.slot.append(node.container);
    this.items.splice(position, 0, item);
    this.list.insertBefore(item.slot, this.list.children[position] || null);
    node.set(value);
    return item;
  }

  onAdd() {
    const item = this.addItem(undefined);
    this.refresh();
    this.ctx.changed(this);
    this.clearError();
    item.node.focus();
    this.ctx.announce(`Đã thêm ${item.node.title}.`);
  }

  move(item, delta) {
    const from = this.items.indexOf(item);
    const to = from + delta;
    if (to < 0 || to >= this.items.length) return;
    const focused = document.activeElement;
    this.items.splice(from, 1);
    this.items.splice(to, 0, item);
    if (delta < 0) this.list.insertBefore(item.slot, this.items[to + 1].slot);
    else this.list.insertBefore(item.slot, this.items[to - 1].slot.nextSibling);
    this.refresh();
    this.ctx.changed(this);
    const button = delta < 0 ? item.up : item.down;
    (button.disabled ? (delta < 0 ? item.down : item.up) : focused && item.slot.contains(focused) ? focused : button).focus();
    this.ctx.announce(`Đã chuyển ${this.itemTitle.toLocaleLowerCase("vi")} đến vị trí ${to + 1}.`);
  }

  remove(item) {
    const index = this.items.indexOf(item);
    if (index < 0) return; // already removed (a second click on the same Xóa)
    const title = item.node.title;
    this.removed = { index, value: item.node.value(), title };
    this.items.splice(index, 1);
    item.slot.remove();
    this.refresh();
    this.ctx.changed(this);
    const said = typeof this.removed.value === "string" && this.removed.value.trim()
      ? ` (“${this.removed.value.trim().slice(0, 60)}”)` : ""; // its number now names another entry
    this.undoText.textContent = `Đã xóa ${title}${said}.`;
    this.undoButton.setAttribute("aria-label", `Hoàn tác: đặt lại ${title}`);
    this.undoBar.hidden = false;
    this.undoBar.focus();
    this.ctx.announce(`Đã xóa ${title}. Có thể bấm Hoàn tác.`);
  }

  undo() {
    const removed = this.removed;
    if (!removed) return;
    this.removed = null;
    this.undoBar.hidden = true;
    const value = removed.value === EMPTY ? undefined : removed.value;
    const item = this.addItem(value, Math.min(removed.index, this.items.length));
    this.refresh();
    this.ctx.changed(this);
    item.node.focus();
    this.ctx.announce(`Đã đặt lại ${item.node.title}.`);
  }

  value() {
    if ((this.nullable || this.ctx.optionalAll) && this.isBlank()) return EMPTY;
    return this.items.map(({ node }) => {
      const v = node.value();
      return v === EMPTY ? (node instanceof ObjectNode ? {} : "") : v;
    });
  }

  set(value) {
    for (const item of this.items) item.slot.remove();
    this.items = [];
    this.removed = null;
    this.undoBar.hidden = true;
    let list = value;
    if (value === undefined || value === null) {
      list = Array.from({ length: this.schema.minItems || 0 }, () => undefined);
      if (this.ctx.optionalAll) list = [];
    } else if (!Array.isArray(value)) {
      this.ctx.warn(`${this.labelPath()}: dữ liệu không phải một danh sách, đã bỏ qua.`);
      list = [];
    }
    for (const entry of list) this.addItem(entry);
    this.refresh();
  }

  isBlank() {
    return this.items.every(({ node }) => node.isBlank());
  }

  focus() {
    if (this.items.length) this.items[0].node.focus();
    else this.addButton.focus();
  }

  focusForError() {
    this.addButton.focus();
  }

  refresh() {
    super.refresh();
    this.relabel();
    const count = this.items.length;
    const min = this.ctx.optionalAll ? 0 : this.schema.minItems || 0;
    const max = this.schema.maxItems ?? Infinity;
    this.container.classList.toggle("is-empty", count === 0);
    this.list.hidden = count === 0;
    this.addButton.disabled = count >= max;
    this.items.forEach((item, index) => {
      item.node.refresh();
      const name = item.node.title;
      item.up.disabled = index === 0;
      item.down.disabled = index === count - 1;
      item.remove.disabled = count <= min;
      item.up.setAttribute("aria-label", `Chuyển ${name} lên`);
      item.down.setAttribute("aria-label", `Chuyển ${name} xuống`);
      item.remove.setAttribute("aria-label", `Xóa ${name}`);
    });
  }

  walk(visit) {
    visit(this);
    for (const { node } of this.items) node.walk(visit);
  }
}

function makeNode(ctx, schema, parent, key, required) {
  const widget = widgetOf(schema);
  if (widget === "object") return new ObjectNode(ctx, schema, parent, key, required);
  if (widget === "array") return new ArrayNode(ctx, schema, parent, key, required);
  return new ScalarNode(ctx, schema, parent, key, required);
}

// ------------------------------------------------------------------------------- the form

/**
 * Build a form for `schema` inside `mount`.
 * options: idPrefix, optionalAll (every field optional, empty fields omitted: the common
 * fields of a batch), collapse (top-level keys shown under a disclosure), collapseTitle,
 * collapseHelp, onChange(node), announce(element for polite messages), markRequired (top-level
 * keys shown as required where optionalAll leaves them optional).
 */
export function buildForm(mount, schema, options = {}) {
  const ctx = {
    idPrefix: options.idPrefix || "f",
    optionalAll: Boolean(options.optionalAll),
    marked: new Set(options.markRequired || []),
    ignored: [],
    warnings: [],
    dirty: false,
    listeners: options.onChange ? [options.onChange] : [],
    changed(node) {
      this.dirty = true;
      for (const listener of this.listeners) listener(node);
    },
    warn(message) {
      this.warnings.push(message);
    },
    announce(message) {
      if (!live) return;
      live.textContent = "";
      window.setTimeout(() => { live.textContent = message; }, 30);
    },
  };
  const live = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const root = new ObjectNode(ctx, schema, null, null, true, options);
  mount.replaceChildren(root.container, live);
  root.refresh();
  let errored = [];

  const form = {
    root,
    get dirty() { return ctx.dirty; },
    set dirty(value) { ctx.dirty = value; },

    /** Call `listener(node)` after every change the clerk makes. */
    onChange(listener) {
      ctx.listeners.push(listener);
    },

    /** The payload, exactly as the API receives it. */
    value() {
      const v = root.value();
      return v === EMPTY ? {} : v;
    },

    /** Fill every field from `data`; returns {ignored: [pointer], warnings: [text]}. */
    set(data) {
      ctx.ignored = [];
      ctx.warnings = [];
      form.clearErrors();
      root.set(data);
      root.refresh();
      ctx.dirty = false;
      return { ignored: ctx.ignored.slice(), warnings: ctx.warnings.slice() };
    },

    reset() {
      return form.set(undefined);
    },

    isBlank() {
      return root.isBlank();
    },

    clearErrors() {
      for (const node of errored) node.clearError();
      errored = [];
    },

    /**
     * Show API errors ({pointer, message}) next to their fields. `strip` removes a pointer
     * prefix (the batch page's "/common"). Returns [{node, pointer, message, label}] in page
     * order; errors no field matches have node = root.
     */
    showErrors(errors, strip = "") {
      form.clearErrors();
      const byNode = new Map();
      const placed = [];
      for (const err of errors) {
        let pointer = err.pointer || "";
        if (strip && pointer.startsWith(strip)) pointer = pointer.slice(strip.length);
        const tokens = pointer.split("/").slice(1).map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
        const node = root.find(tokens);
        if (!byNode.has(node)) byNode.set(node, []);
        byNode.get(node).push(err.message);
        placed.push({ node, pointer: err.pointer, message: err.message });
      }
      for (const [node, messages] of byNode) {
        node.showError(messages);
        errored.push(node);
      }
      const order = [];
      root.walk((node) => order.push(node));
      placed.sort((a, b) => order.indexOf(a.node) - order.indexOf(b.node));
      for (const p of placed) p.label = p.node === root ? "" : p.node.labelPath();
      return placed;
    },

    focusNode(node) {
      if (node instanceof ArrayNode) node.focusForError();
      else if (node === root) mount.focus();
      else node.focus();
      const target = node.container;
      if (target && target.scrollIntoView) target.scrollIntoView({ block: "center" });
      if (node.control || node.addButton) (node.control || node.addButton).focus({ preventScroll: true });
    },

    /** Labels of fields by dotted path, for naming spreadsheet columns. */
    titleOf(path) {
      const node = root.find(String(path).split("."));
      return node && node !== root ? node.labelPath() : null;
    },
  };
  return form;
}
