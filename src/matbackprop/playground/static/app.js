// The playground's page. It computes nothing: every number it shows comes from the JSON API
// (docs/playground.md); this file reads the form, sends it, and draws the answers.
"use strict";

// -- page strings, English and Russian (the server's `lang` gives the worked text) ---------
const STRINGS = {
  en: {
    skip: "Skip to the worked steps",
    title: "matbackprop playground",
    tagline: "Masha's network, live: every number from the engine",
    problem: "Problem", dataset: "Data set", upload: "Upload CSV…",
    layers: "Layer sizes (inputs first)", activation: "Hidden activation f",
    output_activation: "Output activation", loss: "Loss", learning_rate: "Learning rate η",
    bias: "Biases b", X: "X (a row per line)", y: "y",
    weights: "Initial weights", init: "Initialisation", init_scale: "Constant / spread",
    seed: "Seed", order: "Rows per step", worked: "Worked solution", steps: "Steps",
    numbers: "Numbers", precision: "Digits", solve: "Work it out", reset: "Masha's problem",
    tab_step: "Step through", tab_train: "Train", tab_check: "Check my answer", tab_export: "Export",
    prev: "◀ Previous", next: "Next ▶", next_forward: "Forward", next_backward: "Backward",
    next_update: "Update", first_t: "First operation (Home)",
    keys: "Keys: n or → next, p or ← previous, f forward, b backward, u update, Home / End.",
    shapes: "Shapes", given: "Given: X, y and the initial weights",
    figures: "Forward and backward diagrams of this step, with its numbers",
    train_steps: "Steps", train_run: "Run N steps", train_play: "Run ▶", train_pause: "Pause ⏸",
    train_reset: "Start over", loss_curve: "Loss per step",
    grad_norms: "Gradient norms ‖∂L/∂Wₖ‖ per step (log scale)",
    plane: "The learned function ŷ over the input plane, and each hidden neuron's output",
    plane_none: "The plane is drawn for networks with two inputs.",
    check_hint: "Type your value for any step as NAME@STEP (for example dW3@1, W3@2, L@1, d2@1) and its matrix (rows by ;). The verdicts are those of matbackprop solve --check.",
    answer_add: "+ Another answer", tolerance: "Tolerance", carry: "Carry my errors forward",
    check: "Check", export_solution: "Worked solution and trace", plain_text: "Plain text",
    json_trace: "JSON trace", csv_trace: "CSV trace", command_script: "Shell script",
    export_answers: "Include the check of my answers", export_figures: "Figures (numbers of step 1)",
    figure: "Figure", format: "Format", download: "Download", command: "Command line",
    command_hint: "Reproduces this worked solution with matbackprop solve:", copy: "Copy",
    copied: "Copied.",
    footer: "The browser computes nothing: every number comes from matbackprop's Python engine.",
    phase_forward: "forward", phase_backward: "backward", phase_update: "update",
    where: (s, n, i, m, ph) => `Step ${s} of ${n} · operation ${i} of ${m} · ${ph}`,
    step_n: (s) => `Step ${s}`, rows_used: (r) => `rows ${r} of X`,
    working: "Working…", done_ms: (ms) => `Worked out in ${ms} ms.`,
    fix_fields: "Fix the marked fields; the page keeps the last good solution.",
    net_caption: (s) => `Weights at the start of step ${s}; the highlight is where the step is.`,
    uses: "From:", answer_name: "Name@step", answer_value: "Your matrix", remove: "Remove",
    yours: "Yours", correct: "Correct", status_match: "match", status_differs: "differs",
    status_unreadable: "unreadable", trained: (n, l) => `${n} steps trained, loss ${l}`,
    loss_from_to: (a, b) => `loss ${a} → ${b}`, downloaded: (f) => `Downloaded ${f}.`,
    loss_default: "the loss's own", init_default: "default", csv_read: (n, c) => `${n} rows read; columns ${c}.`,
    datasets_custom: "(typed in)", hidden_neuron: (k, j) => `layer ${k}, neuron ${j}`,
    output_plane: "ŷ", data_points: "circles: the rows of X, coloured by y",
    plane_scale: "blue low, orange high, each square on its own scale", first: "« First",
    order_batch: "all rows", order_row: "one a step",
    numbers_auto: "auto", numbers_exact: "exact", numbers_decimal: "decimal",
  },
  ru: {
    skip: "К решению по шагам",
    title: "Песочница matbackprop",
    tagline: "Сеть Маши вживую: каждое число считает движок",
    problem: "Задача", dataset: "Данные", upload: "Загрузить CSV…",
    layers: "Размеры слоёв (сначала входы)", activation: "Активация скрытых слоёв f",
    output_activation: "Активация выхода", loss: "Функция потерь", learning_rate: "Скорость обучения η",
    bias: "Смещения b", X: "X (по строке)", y: "y",
    weights: "Начальные веса", init: "Инициализация", init_scale: "Константа / разброс",
    seed: "Зерно", order: "Строк на шаг", worked: "Решение по шагам", steps: "Шагов",
    numbers: "Числа", precision: "Знаков", solve: "Решить", reset: "Задача Маши",
    tab_step: "По шагам", tab_train: "Обучение", tab_check: "Проверить ответ", tab_export: "Экспорт",
    prev: "◀ Назад", next: "Дальше ▶", next_forward: "Прямой", next_backward: "Обратный",
    next_update: "Обновление", first_t: "Первая операция (Home)",
    keys: "Клавиши: n или → дальше, p или ← назад, f прямой проход, b обратный, u обновление, Home / End.",
    shapes: "Размеры", given: "Дано: X, y и начальные веса",
    figures: "Схемы прямого и обратного прохода этого шага с его числами",
    train_steps: "Шагов", train_run: "Сделать N шагов", train_play: "Пуск ▶", train_pause: "Пауза ⏸",
    train_reset: "Сначала", loss_curve: "Потери на каждом шаге",
    grad_norms: "Нормы градиентов ‖∂L/∂Wₖ‖ по шагам (логарифмическая шкала)",
    plane: "Выученная функция ŷ на плоскости входов и выход каждого скрытого нейрона",
    plane_none: "Плоскость рисуется для сетей с двумя входами.",
    check_hint: "Введите своё значение для любого шага как ИМЯ@ШАГ (например dW3@1, W3@2, L@1, d2@1) и его матрицу (строки через ;). Вердикты те же, что у matbackprop solve --check.",
    answer_add: "+ Ещё ответ", tolerance: "Допуск", carry: "Переносить мои ошибки дальше",
    check: "Проверить", export_solution: "Решение и трасса", plain_text: "Простой текст",
    json_trace: "Трасса JSON", csv_trace: "Трасса CSV", command_script: "Скрипт оболочки",
    export_answers: "Добавить проверку моих ответов", export_figures: "Рисунки (числа шага 1)",
    figure: "Рисунок", format: "Формат", download: "Скачать", command: "Командная строка",
    command_hint: "Воспроизводит это решение командой matbackprop solve:", copy: "Копировать",
    copied: "Скопировано.",
    footer: "Браузер ничего не считает: каждое число приходит из Python-движка matbackprop.",
    phase_forward: "прямой проход", phase_backward: "обратный проход", phase_update: "обновление",
    where: (s, n, i, m, ph) => `Шаг ${s} из ${n} · операция ${i} из ${m} · ${ph}`,
    step_n: (s) => `Шаг ${s}`, rows_used: (r) => `строки X: ${r}`,
    working: "Считаю…", done_ms: (ms) => `Решено за ${ms} мс.`,
    fix_fields: "Исправьте отмеченные поля; на странице остаётся последнее верное решение.",
    net_caption: (s) => `Веса в начале шага ${s}; подсветка показывает, где сейчас шаг.`,
    uses: "Из:", answer_name: "Имя@шаг", answer_value: "Ваша матрица", remove: "Убрать",
    yours: "Ваше", correct: "Верно", status_match: "совпадает", status_differs: "отличается",
    status_unreadable: "не прочитано", trained: (n, l) => `обучено шагов: ${n}, потери ${l}`,
    loss_from_to: (a, b) => `потери ${a} → ${b}`, downloaded: (f) => `Скачан файл ${f}.`,
    loss_default: "своя у функции потерь", init_default: "по умолчанию", csv_read: (n, c) => `Прочитано строк: ${n}; столбцы ${c}.`,
    datasets_custom: "(введены вручную)", hidden_neuron: (k, j) => `слой ${k}, нейрон ${j}`,
    output_plane: "ŷ", data_points: "кружки: строки X, цвет по y",
    plane_scale: "синий — мало, оранжевый — много, у каждого квадрата своя шкала", first: "« В начало",
    order_batch: "все строки", order_row: "по одной",
    numbers_auto: "авто", numbers_exact: "точные", numbers_decimal: "десятичные",
  },
};
const DATASET_RU = { masha: "Две строки Маши", xor: "XOR", demo: "Сеть-учитель Маши, 32 зашумлённые точки (mb.demo_data)" };

const state = {
  lang: "en",
  defaults: null,
  solution: null, // the last good /api/steps answer
  ops: [], // every operation of every step, in order
  at: 0, // the current operation
  train: null, // {loss: [], norms: {W1: []}, start, plane, warnings}
  running: false,
  lastCheck: null,
};

const $ = (id) => document.getElementById(id);
const t = (key, ...args) => {
  const v = STRINGS[state.lang][key] ?? STRINGS.en[key] ?? key;
  return typeof v === "function" ? v(...args) : v;
};
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) node.append(c);
  return node;
};
const SVG = "http://www.w3.org/2000/svg";
const svg = (tag, attrs = {}, text) => {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
};

function tex(latex, node, display = true) {
  if (window.katex) {
    window.katex.render(latex, node, { throwOnError: false, displayMode: display, output: "htmlAndMathml" });
  } else {
    node.textContent = latex;
  }
}

// -- talking to the server ----------------------------------------------------------------
class FieldErrorsError extends Error {
  constructor(errors) {
    super(Object.values(errors).join("; "));
    this.errors = errors;
  }
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const r = await fetch(`api/${path}`, init);
  let data = null;
  try { data = await r.json(); } catch { data = null; }
  if (!r.ok) {
    throw new FieldErrorsError(data && data.errors ? data.errors : { request: `HTTP ${r.status}` });
  }
  return data;
}

// -- the Problem panel ----------------------------------------------------------------------
const PROBLEM_FIELDS = ["layers", "activation", "output_activation", "loss", "bias", "learning_rate",
  "X", "y", "init", "init_scale", "seed", "weights", "biases", "order"];
const WORKED_FIELDS = ["steps", "numbers", "precision"];

function fillSelect(select, values, labels = {}) {
  const keep = select.value;
  select.replaceChildren(...values.map((v) => el("option", { value: v, text: labels[v] ?? v })));
  if (values.includes(keep)) select.value = keep;
}

function optionLabels() {
  const losses = { mse_half: "½·MSE", mse: "MSE", logloss: "log loss", cross_entropy: "cross-entropy" };
  fillSelect($("loss"), state.defaults.choices.losses, losses);
  fillSelect($("output_activation"), ["", ...state.defaults.choices.output_activations],
    { "": t("loss_default") });
  fillSelect($("order"), state.defaults.choices.orders, { batch: t("order_batch"), row: t("order_row") });
  fillSelect($("numbers"), state.defaults.choices.numbers,
    { auto: t("numbers_auto"), exact: t("numbers_exact"), decimal: t("numbers_decimal") });
  const ds = state.defaults.datasets;
  fillSelect($("dataset"), ["", ...ds.map((d) => d.name)], {
    "": t("datasets_custom"),
    ...Object.fromEntries(ds.map((d) => [d.name, state.lang === "ru" ? DATASET_RU[d.name] ?? d.title : d.title])),
  });
  $("init_scale").placeholder = t("init_default");
}

function setProblem(p, worked = {}) {
  $("layers").value = p.layers.join(",");
  $("activation").value = p.activation;
  $("output_activation").value = p.output_activation ?? "";
  $("loss").value = p.loss;
  $("bias").checked = p.bias;
  $("learning_rate").value = p.learning_rate;
  $("X").value = p.X.split(";").join("\n");
  $("y").value = p.y.split(";").join("\n");
  $("init").value = p.init;
  $("init_scale").value = p.init_scale ?? "";
  $("seed").value = p.seed;
  $("order").value = p.order;
  if (worked.steps !== undefined) $("steps").value = worked.steps;
  if (worked.numbers !== undefined) $("numbers").value = worked.numbers;
  if (worked.precision !== undefined) $("precision").value = worked.precision;
  renderTyped(p.weights, p.biases);
  matchDataset();
}

function layerTokens() {
  // Sent as the typed tokens: the server's own validation reads them, and names a bad one.
  return $("layers").value.split(/[,\s]+/).filter((s) => s !== "");
}

function renderTyped(weights, biases) {
  const box = $("typed");
  const typed = $("init").value === "typed";
  box.hidden = !typed;
  $("scale-field").hidden = typed || $("init").value === "zeros";
  $("seed-field").hidden = typed || ["zeros", "constant"].includes($("init").value);
  if (!typed) return;
  const sizes = layerTokens().map(Number);
  const old = readTyped();
  const W = weights ?? old.weights;
  const b = biases ?? old.biases;
  const fields = [];
  for (let k = 1; k < sizes.length; k++) {
    fields.push(typedField(`weights[${k - 1}]`, `W${k} [${sizes[k - 1]}×${sizes[k]}]`, W?.[k - 1] ?? ""));
    if ($("bias").checked) {
      fields.push(typedField(`biases[${k - 1}]`, `b${k} [1×${sizes[k]}]`, b?.[k - 1] ?? ""));
    }
  }
  box.replaceChildren(...fields);
}

function typedField(key, label, value) {
  const id = `f-${key.replace(/[[\]]/g, "_")}`;
  return el("div", { class: "field" },
    el("label", { for: id, text: label }),
    el("textarea", { id, rows: 2, spellcheck: "false", "data-key": key }, value.split(";").join("\n")),
    el("p", { class: "error", id: `err-${key}`, role: "alert" }));
}

function readTyped() {
  const weights = [], biases = [];
  for (const node of document.querySelectorAll("#typed textarea")) {
    const [, kind, k] = node.dataset.key.match(/^(\w+)\[(\d+)\]$/);
    (kind === "weights" ? weights : biases)[Number(k)] = rows(node.value);
  }
  return { weights: weights.length ? weights : null, biases: biases.length ? biases : null };
}

const rows = (text) => text.trim().split(/\s*\n\s*/).join(";");

function readProblem() {
  const init = $("init").value;
  const typed = init === "typed" ? readTyped() : { weights: null, biases: null };
  return {
    layers: layerTokens(),
    activation: $("activation").value,
    output_activation: $("output_activation").value || null,
    loss: $("loss").value,
    bias: $("bias").checked,
    learning_rate: $("learning_rate").value.trim(),
    X: rows($("X").value),
    y: rows($("y").value),
    init,
    init_scale: $("init_scale").value.trim() === "" ? null : $("init_scale").value.trim(),
    seed: $("seed").value === "" ? 0 : $("seed").value,
    weights: typed.weights,
    biases: $("bias").checked ? typed.biases : null,
    order: $("order").value,
  };
}

function worked() {
  return {
    problem: readProblem(), steps: $("steps").value, lang: state.lang,
    precision: $("precision").value, numbers: $("numbers").value,
  };
}

function clearErrors(scope = document) {
  for (const node of scope.querySelectorAll(".error")) node.textContent = "";
  for (const node of scope.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

// Each message goes next to its field; one the page has no field for goes to `fallback`.
function showErrors(errors, fallback) {
  const rest = [];
  for (const [key, message] of Object.entries(errors)) {
    const slot = document.getElementById(`err-${key}`);
    if (slot && slot.closest("[hidden]") === null) {
      slot.textContent = message;
      const input = slot.parentElement.querySelector("input, select, textarea");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", slot.id);
      }
    } else {
      rest.push(message);
    }
  }
  if (rest.length) fallback.textContent = rest.join(" ");
}

function matchDataset() {
  const X = rows($("X").value), y = rows($("y").value);
  const d = state.defaults.datasets.find((d) => d.X === X && d.y === y);
  $("dataset").value = d ? d.name : "";
}

// -- working the problem out ----------------------------------------------------------------
let solveSerial = 0;
async function solve() {
  const serial = ++solveSerial;
  const body = worked();
  $("status").textContent = t("working");
  const t0 = performance.now();
  try {
    const data = await api("steps", body);
    if (serial !== solveSerial) return;
    clearErrors($("problem-form"));
    const keep = state.ops[state.at];
    state.solution = data;
    state.ops = data.steps.flatMap((s) => s.operations);
    const same = keep ? state.ops.findIndex((op) => op.id === keep.id) : -1;
    state.at = same >= 0 ? same : 0;
    const changed = JSON.stringify(body.problem) !== JSON.stringify(state.problem);
    state.problem = body.problem;
    $("status").textContent = t("done_ms", Math.round(performance.now() - t0));
    document.body.classList.remove("stale");
    renderSolution();
    if (changed) resetTraining(); // a new language or precision keeps the training run
    updateCommand(data.command);
  } catch (err) {
    if (serial !== solveSerial) return;
    clearErrors($("problem-form"));
    if (err instanceof FieldErrorsError) {
      showErrors(err.errors, $("err-general"));
      $("status").textContent = t("fix_fields");
      document.body.classList.add("stale");
    } else {
      $("err-general").textContent = String(err);
      $("status").textContent = "";
    }
  }
}

function renderSolution() {
  const sol = state.solution;
  // the operation chips, by step and phase
  const list = $("ops");
  list.replaceChildren();
  sol.steps.forEach((s) => {
    const chips = el("ol", { class: "chips" });
    for (const op of s.operations) {
      const i = state.ops.indexOf(op);
      chips.append(el("li", {}, el("button", {
        type: "button", class: `chip phase-${op.phase}`, "data-index": i, "data-id": op.id,
        "aria-label": `${t("step_n", op.step)}: ${op.equation.text}`, onclick: () => go(i),
      }, opLabel(op))));
    }
    list.append(el("li", { class: "stepgroup" },
      el("span", { class: "steplabel", text: `${t("step_n", s.index)} · ${t("rows_used", s.rows.join(", "))}` }), chips));
  });
  // the given matrices
  $("given").replaceChildren(...sol.given.map((m) => matrixBlock(m, 0)));
  // the notes, in the chosen language
  $("notes").replaceChildren(...sol.notes.map((n) => el("li", { text: n })));
  // the names the check panel may ask about
  $("names").replaceChildren(...state.ops.map((op) => el("option", { value: `${op.name}@${op.step}` })));
  showOp();
}

function opLabel(op) {
  const names = { y_hat: "ŷ", dyhat: "∂L/∂ŷ" };
  if (names[op.name]) return names[op.name];
  if (op.kind === "dW") return `∂W${op.layer}`;
  if (op.kind === "db") return `∂b${op.layer}`;
  if (op.kind === "fp") return `f′(H${op.layer})`;
  if (op.kind === "d") return `d${op.layer}`;
  if (op.kind === "W" || op.kind === "b") return `${op.name} ←`;
  return op.name;
}

function matrixBlock(m, step, name = m.name) {
  const table = el("table", { class: "matrix", "data-name": name, "data-step": step });
  const body = el("tbody");
  // A wide or tall matrix (784-128-10's W1) shows its corner and ⋮ ⋯: a table of 100,352
  // cells would freeze the page; the export holds every entry.
  const MAXR = 10, MAXC = 8;
  const cut = (list, max) => (list.length > max ? [...list.slice(0, max - 1), null] : list);
  cut(m.text, MAXR).forEach((row, i) => {
    const tr = el("tr");
    if (row === null) {
      cut(m.text[0], MAXC).forEach(() => tr.append(el("td", { class: "more", text: "⋮" })));
    } else {
      cut(row, MAXC).forEach((v, j) => tr.append(v === null
        ? el("td", { class: "more", text: "⋯" })
        : el("td", { class: "num", "data-i": i, "data-j": j, text: v })));
    }
    body.append(tr);
  });
  table.append(body);
  const label = el("span", { class: "mname" });
  tex(`${nameTex(name)} \\;${m.exact === false && step > 0 ? "\\approx" : "="}`, label, false);
  return el("div", { class: "mblock" }, label, el("div", { class: "mscroll" }, table),
    el("span", { class: "mshape", text: `[${m.shape.join("×")}]` }));
}

function nameTex(name) {
  const m = name.match(/^([A-Za-z]+?)(\d+)$/);
  const known = { y_hat: "\\hat{y}", dyhat: "\\frac{\\partial L}{\\partial \\hat{y}}", X: "X", y: "y", L: "L" };
  if (known[name]) return known[name];
  if (!m) return `\\mathrm{${name}}`;
  const [, base, k] = m;
  if (base === "dW") return `\\frac{\\partial L}{\\partial W_{${k}}}`;
  if (base === "db") return `\\frac{\\partial L}{\\partial b_{${k}}}`;
  if (base === "fp") return `f'(H_{${k}})`;
  if (base === "d") return `d_{${k}}`;
  return `${base}_{${k}}`;
}

function go(i) {
  if (!state.ops.length) return;
  state.at = Math.max(0, Math.min(state.ops.length - 1, i));
  const onChip = document.activeElement && document.activeElement.classList.contains("chip");
  showOp();
  if (onChip) document.querySelector(`#ops .chip[data-index="${state.at}"]`).focus();
}

function nextOfPhase(phase) {
  const i = state.ops.findIndex((op, j) => j > state.at && op.phase === phase);
  if (i >= 0) go(i);
}

function showOp() {
  const op = state.ops[state.at];
  if (!op) return;
  const total = state.solution.steps.length;
  $("where").textContent = t("where", op.step, total, state.at + 1, state.ops.length, t(`phase_${op.phase}`));
  const badge = $("cur-phase");
  badge.className = `badge phase-${op.phase}`;
  badge.textContent = t(`phase_${op.phase}`);
  $("cur-name").textContent = `${t("step_n", op.step)} · ${op.name}@${op.step}`;
  tex(op.equation.latex, $("cur-eq"));
  $("cur-shapes").textContent = op.shapes.text;
  $("cur-shapes").dataset.name = op.name;
  $("cur-matrix").replaceChildren(matrixBlock(op, op.step));
  const inputs = operands(op);
  $("cur-inputs").replaceChildren(...(inputs.length
    ? [el("span", { class: "hint", text: t("uses") }), ...inputs.map(({ m, step, name }) => matrixBlock(m, step, name))]
    : []));
  $("current").dataset.id = op.id;
  $("current").className = `card current phase-${op.phase}`;
  for (const chip of document.querySelectorAll("#ops .chip")) {
    const on = Number(chip.dataset.index) === state.at;
    chip.classList.toggle("on", on);
    chip.tabIndex = on ? 0 : -1; // one tab stop for the row of chips: the keys move along it
    if (on) chip.setAttribute("aria-current", "step");
    else chip.removeAttribute("aria-current");
  }
  $("op-prev").disabled = state.at === 0;
  $("op-first").disabled = state.at === 0;
  $("op-next").disabled = state.at === state.ops.length - 1;
  drawNetwork(op);
  if ($("figures-box").open) loadFigures(op.step);
}

// The values an operation reads, found by the names in its equation among the API's values
// (the page looks them up; it computes none): the same step's earlier results, the
// weights at the start of the step, X and y.
function operands(op) {
  const at = state.ops.indexOf(op);
  const sol = state.solution;
  const stepOf = sol.steps.find((s) => s.index === op.step);
  const allRows = stepOf && stepOf.rows.length === sol.given.find((m) => m.name === "X").shape[0];
  const rhs = op.equation.text.split(/=|←/).slice(1).join("=");
  const earlier = (pred) => {
    for (let i = at - 1; i >= 0 && state.ops[i].step === op.step; i--) if (pred(state.ops[i])) return state.ops[i];
    return null;
  };
  const out = [], seen = new Set();
  const add = (m, step, name = m.name) => {
    if (m && !seen.has(name)) { seen.add(name); out.push({ m, step, name }); }
  };
  const given = (name) => sol.given.find((m) => m.name === name);
  for (const tok of rhs.matchAll(/∂L\/∂([Wb])(\d+)|f'\(H(\d+)\)|([WOHb])(\d+)|X|ŷ|y|d/g)) {
    const [word, dk, dn, fpn, base, k] = tok;
    if (dk) { const o = earlier((x) => x.name === `d${dk}${dn}`); if (o) add(o, o.step); }
    else if (fpn) { const o = earlier((x) => x.name === `fp${fpn}`); if (o) add(o, o.step); }
    else if (base === "W" || base === "b") {
      const name = `${base}${k}`;
      const w = weightsAt(op.step, base)[name];
      if (w) add(w.m, w.step, name);
    } else if (base) { const o = earlier((x) => x.name === `${base}${k}`); if (o) add(o, o.step); }
    else if (word === "ŷ") { const o = earlier((x) => x.name === "y_hat"); if (o) add(o, o.step); }
    else if (word === "d") { const o = earlier((x) => x.kind === "d" || x.kind === "dyhat"); if (o) add(o, o.step); }
    else if (allRows) add(given(word), 0);
  }
  return out;
}

// The weights at the start of step s: the given ones, then each step's update.
function weightsAt(s, base = "W") {
  const sol = state.solution;
  const W = {};
  const pattern = new RegExp(`^${base}\\d+$`);
  for (const m of sol.given) if (pattern.test(m.name)) W[m.name] = { m, step: 0 };
  for (const op of state.ops) {
    if (op.step < s && op.kind === base) W[op.name] = { m: op, step: op.step };
  }
  return W;
}

// -- the network diagram: nodes and edges from the layer sizes, numbers from the API ---------
function drawNetwork(op) {
  const W = weightsAt(op.step);
  const sizes = [W.W1.m.shape[0], ...Object.keys(W).sort((a, b) => a.slice(1) - b.slice(1)).map((k) => W[k].m.shape[1])];
  const MAX = 6; // wider layers show their first nodes and "⋮"
  const shown = sizes.map((n) => Math.min(n, MAX));
  // Weights on the edges while they stay legible (Masha's 2-2-2-1); else as matrices below.
  const small = sizes.every((n) => n <= 2) && sizes.length <= 5;
  const width = 460, height = small ? 230 : 210, padX = 36, padY = 34;
  const gap = (width - 2 * padX) / (sizes.length - 1);
  const pos = shown.map((n, k) => Array.from({ length: n }, (_, j) => ({
    x: padX + k * gap,
    y: padY + ((j + 1) * (height - 2 * padY)) / (n + 1),
  })));
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "netsvg",
    "aria-label": `${sizes.join("-")} network, layer ${op.layer}, ${op.phase}` });
  const active = op.layer;
  const edgeOn = (k) => (op.kind === "dW" || op.kind === "W" || op.kind === "H" || op.kind === "y_hat") && k === active;
  const nodeOn = (k) => ["H", "O", "y_hat", "L", "dyhat", "d", "fp", "db", "b"].includes(op.kind) && k === active;
  for (let k = 1; k < sizes.length; k++) {
    const Wk = W[`W${k}`];
    const g = svg("g", { class: `edges${edgeOn(k) ? ` on phase-${op.phase}` : ""}`, "data-layer": k });
    pos[k - 1].forEach((a, i) => pos[k].forEach((b, j) => {
      g.append(svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y }));
      if (small) {
        const v = Wk.m.text[i][j];
        const tx = a.x + 0.3 * (b.x - a.x), ty = a.y + 0.3 * (b.y - a.y);
        const lab = svg("text", { x: tx, y: ty - 4, class: "wlabel num", "data-name": `W${k}`,
          "data-step": Wk.step, "data-i": i, "data-j": j }, v);
        g.append(lab);
      }
    }));
    root.append(g);
  }
  sizes.forEach((n, k) => {
    const g = svg("g", { class: `nodes${nodeOn(k) ? ` on phase-${op.phase}` : ""}`, "data-layer": k });
    pos[k].forEach((p, j) => {
      g.append(svg("circle", { cx: p.x, cy: p.y, r: 16 }));
      const label = k === 0 ? `x${j + 1}` : k === sizes.length - 1 ? (n === 1 ? "ŷ" : `ŷ${j + 1}`) : `${k}.${j + 1}`;
      g.append(svg("text", { x: p.x, y: p.y + 5, class: "nlabel" }, label));
    });
    if (n > MAX) g.append(svg("text", { x: pos[k][MAX - 1].x, y: height - 6, class: "more" }, `⋮ ${n}`));
    const top = k === 0 ? "X" : k === sizes.length - 1 ? "ŷ" : `H${k}→O${k}`;
    g.append(svg("text", { x: padX + k * gap, y: 14, class: "layername" }, top));
    root.append(g);
  });
  for (let k = 1; k < sizes.length; k++) {
    root.append(svg("text", { x: padX + (k - 0.5) * gap, y: height - 6, class: `wname${edgeOn(k) ? " on" : ""}` }, `W${k}`));
  }
  const tables = [];
  if (!small && sizes.every((n, k) => k === 0 || n * sizes[k - 1] <= 64)) {
    for (const k of Object.keys(W).sort((a, b) => a.slice(1) - b.slice(1))) {
      tables.push(matrixBlock(W[k].m, W[k].step, `${k}`));
    }
  }
  $("net").replaceChildren(root, ...(tables.length ? [el("div", { class: "netweights" }, ...tables)] : []));
  $("net-caption").textContent = t("net_caption", op.step);
}

// -- the server's diagrams with the numbers of a step (matplotlib SVG) ----------------------
let figureKey = "";
async function loadFigures(step) {
  const problem = state.problem;
  const key = JSON.stringify([problem, step]);
  if (key === figureKey) return;
  figureKey = key;
  const box = $("figures");
  box.replaceChildren(el("p", { class: "hint", text: t("working") }));
  try {
    const out = [];
    for (const what of ["forward", "backward"]) {
      const { svg: text } = await api("figure", { problem, step, what });
      const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
      out.push(el("img", { src: url, alt: `${what} pass, step ${step}`, class: "figure" }));
    }
    if (key === figureKey) box.replaceChildren(...out);
  } catch (err) {
    box.replaceChildren(el("p", { class: "error", text: err.message }));
  }
}

// -- training -------------------------------------------------------------------------------
function resetTraining() {
  state.running = false;
  state.train = { loss: [], norms: {}, start: null, plane: null, warnings: [], final: null };
  $("train-toggle").setAttribute("aria-pressed", "false");
  $("train-toggle").textContent = t("train_play");
  $("train-status").textContent = "";
  $("err-train").textContent = "";
  drawTraining();
}

async function trainChunk(steps) {
  const tr = state.train;
  let data;
  for (;;) {
    try {
      data = await api("train", { problem: state.problem, steps, start: tr.start, grid: 25 });
      break;
    } catch (err) {
      // over the server's cap on steps × rows × parameters: ask for fewer steps at a time
      if (!(err instanceof FieldErrorsError) || !err.errors.steps || steps <= 1) throw err;
      steps = Math.max(1, Math.floor(steps / 2));
    }
  }
  tr.loss.push(...data.loss);
  for (const [k, v] of Object.entries(data.gradient_norms)) (tr.norms[k] ??= []).push(...v);
  tr.start = { weights: data.weights, biases: data.biases };
  tr.plane = data.plane;
  tr.final = data.final_loss;
  for (const w of data.warnings) if (!tr.warnings.includes(w)) tr.warnings.push(w);
  drawTraining();
}

async function trainRun(total) {
  if (state.running || !state.problem) return;
  state.running = true;
  $("err-train").textContent = "";
  const chunk = Math.min(Math.max(10, Math.ceil(total / 10)), state.defaults.limits.max_train_steps);
  try {
    const goal = state.train.loss.length + total;
    while (state.train.loss.length < goal && state.running) {
      await trainChunk(Math.min(chunk, goal - state.train.loss.length));
    }
  } catch (err) {
    $("err-train").textContent = err.message;
  }
  state.running = false;
}

async function trainToggle() {
  const button = $("train-toggle");
  if (state.running) {
    state.running = false;
    return;
  }
  state.running = true;
  button.setAttribute("aria-pressed", "true");
  button.textContent = t("train_pause");
  $("err-train").textContent = "";
  try {
    // run until paused, up to a bound that keeps the curve drawable
    while (state.running && state.train.loss.length < 100000) await trainChunk(25);
  } catch (err) {
    $("err-train").textContent = err.message;
  }
  state.running = false;
  button.setAttribute("aria-pressed", "false");
  button.textContent = t("train_play");
}

const fmt = (v) => (v === null || v === undefined ? "–" : Number(v).toPrecision(4));

function drawTraining() {
  const tr = state.train;
  const n = tr.loss.length;
  $("train-status").textContent = n ? t("trained", n, fmt(tr.final)) : "";
  $("train-status").dataset.steps = n;
  $("loss-stat").textContent = n ? t("loss_from_to", fmt(tr.loss[0]), fmt(tr.final)) : "";
  $("train-warnings").replaceChildren(...tr.warnings.map((w) => el("li", { text: w })));
  const series = n ? [{ name: "L", values: [...tr.loss, tr.final] }] : [];
  lineChart($("loss-chart"), series, { log: false, id: "loss" });
  lineChart($("norm-chart"), Object.entries(tr.norms).map(([k, v]) => ({ name: k, values: v })), { log: true, id: "norms" });
  const two = state.solution && state.solution.given.find((m) => m.name === "X")?.shape[1] === 2;
  $("plane-none").hidden = two;
  $("plane-box").hidden = !tr.plane;
  if (tr.plane) drawPlanes(tr.plane);
}

const COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#4b5563"];

function lineChart(box, series, { log, id }) {
  const width = 520, height = 220, L = 56, R = 12, T = 12, B = 30;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chartsvg", role: "img", "aria-label": id });
  const tf = (v) => (log ? Math.log10(Math.max(v, 1e-300)) : v);
  const all = series.flatMap((s) => s.values.filter((v) => Number.isFinite(v) && (!log || v > 0)).map(tf));
  root.append(svg("rect", { x: L, y: T, width: width - L - R, height: height - T - B, class: "plot" }));
  if (!all.length) {
    box.replaceChildren(root);
    return;
  }
  let lo = Math.min(...all), hi = Math.max(...all);
  if (!log) lo = Math.min(lo, 0);
  if (hi - lo < 1e-12) { hi += 0.5; lo -= 0.5; }
  const steps = Math.max(...series.map((s) => s.values.length)) - 1 || 1;
  const X = (i) => L + (i / steps) * (width - L - R);
  const Y = (v) => T + (1 - (tf(v) - lo) / (hi - lo)) * (height - T - B);
  for (let q = 0; q <= 4; q++) {
    const v = lo + (q / 4) * (hi - lo);
    const y = T + (1 - q / 4) * (height - T - B);
    root.append(svg("line", { x1: L, x2: width - R, y1: y, y2: y, class: "grid" }));
    root.append(svg("text", { x: L - 6, y: y + 4, class: "tick", "text-anchor": "end" },
      log ? (10 ** v).toExponential(1) : Number(v.toPrecision(3)).toString()));
  }
  root.append(svg("text", { x: L, y: height - 8, class: "tick" }, "0"));
  root.append(svg("text", { x: width - R, y: height - 8, class: "tick", "text-anchor": "end" }, String(steps)));
  series.forEach((s, k) => {
    const pts = s.values.map((v, i) => (Number.isFinite(v) && (!log || v > 0) ? `${X(i).toFixed(1)},${Y(v).toFixed(1)}` : null))
      .filter(Boolean).join(" ");
    root.append(svg("polyline", { points: pts, class: "line", stroke: COLORS[k % COLORS.length], "data-series": s.name }));
    if (series.length > 1) {
      root.append(svg("text", { x: L + 8 + k * 46, y: T + 16, class: "legendtext", fill: COLORS[k % COLORS.length] }, s.name));
    }
  });
  box.replaceChildren(root);
}

// Blue (low) to white to orange (high), as TensorFlow Playground colours its plane.
function colour(v, lo, hi) {
  const s = hi - lo < 1e-12 ? 0.5 : (v - lo) / (hi - lo);
  const a = [37, 99, 235], w = [248, 250, 252], b = [234, 88, 12];
  const mix = (p, q, u) => p.map((c, i) => Math.round(c + (q[i] - c) * u));
  return s < 0.5 ? mix(a, w, s * 2) : mix(w, b, (s - 0.5) * 2);
}

function planeCanvas(values, plane, size, title, points) {
  const canvas = el("canvas", { width: size, height: size, class: "plane", role: "img", "aria-label": title });
  const ctx = canvas.getContext("2d");
  const flat = values.flat();
  const lo = Math.min(...flat), hi = Math.max(...flat);
  const m = values.length, n = values[0].length;
  const cw = size / n, ch = size / m;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const [r, g, b] = colour(values[i][j], lo, hi);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      // row i is x1 = plane.x1[i]: the plane's top is the largest x1
      ctx.fillRect(Math.floor(j * cw), Math.floor((m - 1 - i) * ch), Math.ceil(cw), Math.ceil(ch));
    }
  }
  if (points) {
    const x0 = plane.x0, x1 = plane.x1;
    const px = (v) => ((v - x0[0]) / (x0[x0.length - 1] - x0[0])) * (size - cw) + cw / 2;
    const py = (v) => size - (((v - x1[0]) / (x1[x1.length - 1] - x1[0])) * (size - ch) + ch / 2);
    const ys = points.y;
    const ylo = Math.min(...ys), yhi = Math.max(...ys);
    points.X.forEach((row, i) => {
      const [r, g, b] = colour(ys[i], ylo, yhi);
      ctx.beginPath();
      ctx.arc(px(row[0]), py(row[1]), Math.max(3, size / 40), 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#111827";
      ctx.stroke();
    });
  }
  return el("figure", { class: "planefig" }, canvas, el("figcaption", { text: title }));
}

function drawPlanes(plane) {
  const X = state.solution.given.find((m) => m.name === "X");
  const y = state.solution.given.find((m) => m.name === "y");
  const points = X && y ? { X: X.floats, y: y.floats.map((r) => r[0]) } : null;
  const figs = [planeCanvas(plane.output, plane, 220, t("output_plane"), points)];
  for (const h of plane.hidden) figs.push(planeCanvas(h.values, plane, 96, t("hidden_neuron", h.layer, h.neuron)));
  $("planes").replaceChildren(...figs);
  const f = (v) => Number(v.toPrecision(3));
  $("plane-legend").textContent = `x1 ∈ [${f(plane.x0[0])}, ${f(plane.x0[plane.x0.length - 1])}], ` +
    `x2 ∈ [${f(plane.x1[0])}, ${f(plane.x1[plane.x1.length - 1])}] · ${t("plane_scale")} · ${t("data_points")}`;
}

// -- checking answers -----------------------------------------------------------------------
function addAnswer(name = "", value = "") {
  const n = $("answers").children.length;
  const row = el("div", { class: "answer" },
    el("div", { class: "field" },
      el("label", { for: `ans-name-${n}`, text: t("answer_name") }),
      el("input", { id: `ans-name-${n}`, class: "ans-name", list: "names", value: name, autocomplete: "off", spellcheck: "false" })),
    el("div", { class: "field grow" },
      el("label", { for: `ans-value-${n}`, text: t("answer_value") }),
      el("textarea", { id: `ans-value-${n}`, class: "ans-value", rows: 2, spellcheck: "false" }, value),
      el("p", { class: "error", id: `err-answers[${n}]`, role: "alert" })),
    el("button", { type: "button", class: "remove", "aria-label": `${t("remove")} ${n + 1}`, text: "×",
      onclick: () => { row.remove(); } }));
  $("answers").append(row);
  return row;
}

function readAnswers() {
  return [...document.querySelectorAll("#answers .answer")]
    .map((row) => [row.querySelector(".ans-name").value.trim(), rows(row.querySelector(".ans-value").value)])
    .filter(([name, value]) => name || value);
}

async function check() {
  clearErrors($("view-check"));
  $("check-summary").textContent = t("working");
  const body = { ...worked(), answers: readAnswers(), tolerance: $("tolerance").value.trim() || null,
    carry_forward: $("carry").checked };
  try {
    const data = await api("check", body);
    state.lastCheck = body;
    $("check-summary").textContent = data.summary;
    $("check-summary").className = `summary ${data.ok ? "ok" : "bad"}`;
    $("verdicts").replaceChildren(...data.verdicts.map(verdictItem));
  } catch (err) {
    $("check-summary").textContent = "";
    $("verdicts").replaceChildren();
    if (err instanceof FieldErrorsError) showErrors(err.errors, $("err-check"));
    else $("err-check").textContent = String(err);
  }
}

function verdictItem(v) {
  const small = (cells) => {
    const table = el("table", { class: "matrix small" });
    const body = el("tbody");
    for (const row of cells) body.append(el("tr", {}, ...row.map((c) => el("td", { text: c }))));
    table.append(body);
    return table;
  };
  const item = el("li", { class: `verdict ${v.status}`, "data-status": v.status, "data-key": v.key },
    el("span", { class: `badge ${v.status}`, text: t(`status_${v.status}`) }),
    el("span", { class: "message", text: v.message }));
  if (v.status === "differs" && v.yours && v.correct) {
    item.append(el("div", { class: "compare" },
      el("div", {}, el("span", { class: "hint", text: t("yours") }), small(v.yours)),
      el("div", {}, el("span", { class: "hint", text: t("correct") }), small(v.correct))));
  }
  return item;
}

// -- exports --------------------------------------------------------------------------------
function download(file) {
  const bytes = file.encoding === "base64"
    ? Uint8Array.from(atob(file.content), (c) => c.charCodeAt(0))
    : file.content;
  const url = URL.createObjectURL(new Blob([bytes], { type: file.media_type }));
  const a = el("a", { href: url, download: file.filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function exportAs(format, extra = {}) {
  $("err-export").textContent = "";
  $("export-status").textContent = t("working");
  const answers = $("export-answers").checked ? readAnswers() : null;
  try {
    const file = await api("export", { ...worked(), format, answers, ...extra });
    download(file);
    updateCommand(file.command);
    $("export-status").textContent = t("downloaded", file.filename);
  } catch (err) {
    $("export-status").textContent = "";
    $("err-export").textContent = err instanceof FieldErrorsError ? Object.values(err.errors).join(" ") : String(err);
  }
}

function updateCommand(command) {
  $("command").textContent = command;
}

// -- language -------------------------------------------------------------------------------
function applyLang(lang) {
  state.lang = lang;
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  for (const b of document.querySelectorAll(".lang button")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
  for (const node of document.querySelectorAll("#answers label")) {
    node.textContent = node.htmlFor.startsWith("ans-name") ? t("answer_name") : t("answer_value");
  }
  $("train-toggle").textContent = state.running ? t("train_pause") : t("train_play");
  document.title = t("title");
  if (state.defaults) optionLabels();
  matchDataset();
}

async function switchLang(lang) {
  applyLang(lang);
  if (!state.defaults) return;
  await solve(); // the notes and the equations' words come in the new language
  if (state.lastCheck && $("verdicts").children.length) await check();
  if (state.train && state.train.loss.length === 0) drawTraining();
}

// -- tabs and keys --------------------------------------------------------------------------
function selectTab(tab) {
  for (const b of document.querySelectorAll('[role="tab"]')) {
    const on = b === tab;
    b.setAttribute("aria-selected", String(on));
    b.tabIndex = on ? 0 : -1;
    $(b.getAttribute("aria-controls")).hidden = !on;
  }
  tab.focus();
}

function onKey(e) {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const target = e.target;
  if (target.matches("input, textarea, select, [contenteditable]")) return;
  if (target.getAttribute("role") === "tab" && (e.key === "ArrowLeft" || e.key === "ArrowRight")) {
    const tabs = [...document.querySelectorAll('[role="tab"]')];
    const i = tabs.indexOf(target) + (e.key === "ArrowRight" ? 1 : -1);
    selectTab(tabs[(i + tabs.length) % tabs.length]);
    e.preventDefault();
    return;
  }
  if ($("view-step").hidden) return;
  const keys = {
    n: () => go(state.at + 1), ArrowRight: () => go(state.at + 1), j: () => go(state.at + 1),
    p: () => go(state.at - 1), ArrowLeft: () => go(state.at - 1), k: () => go(state.at - 1),
    f: () => nextOfPhase("forward"), b: () => nextOfPhase("backward"), u: () => nextOfPhase("update"),
    Home: () => go(0), End: () => go(state.ops.length - 1),
  };
  if (keys[e.key]) {
    keys[e.key]();
    e.preventDefault();
  }
}

// -- CSV upload -----------------------------------------------------------------------------
async function uploadCsv(file) {
  $("err-text").textContent = "";
  $("csv-info").textContent = "";
  const text = await file.text();
  try {
    const data = await api("csv", { text, name: file.name });
    $("X").value = data.X.split(";").join("\n");
    $("y").value = data.y.split(";").join("\n");
    const sizes = layerTokens();
    const nIn = data.X.split(";")[0].split(",").length, nOut = data.y.split(";")[0].split(",").length;
    if (sizes.length >= 2) {
      sizes[0] = String(nIn);
      sizes[sizes.length - 1] = String(nOut);
      $("layers").value = sizes.join(",");
    }
    $("csv-info").textContent = t("csv_read", data.rows, data.columns.join(", "));
    matchDataset();
    renderTyped();
    solve();
  } catch (err) {
    const messages = err instanceof FieldErrorsError ? err.errors : { text: String(err) };
    $("err-text").textContent = Object.values(messages).join(" ");
  }
}

// -- start ----------------------------------------------------------------------------------
async function start() {
  const d = await api("defaults");
  state.defaults = d;
  $("version").textContent = `matbackprop ${d.version}`;
  fillSelect($("activation"), d.choices.activations);
  fillSelect($("init"), d.choices.init);
  fillSelect($("precision"), Array.from({ length: 15 }, (_, i) => String(i + 1)));
  fillSelect($("fig-what"), d.choices.figures);
  fillSelect($("fig-format"), d.choices.figure_formats);
  $("steps").max = d.limits.max_worked_steps;
  $("train-steps").max = d.limits.max_train_steps * 20;
  optionLabels();
  setProblem(d.problem, { steps: d.steps, numbers: d.numbers, precision: String(d.precision) });
  addAnswer("dW3@1", "");
  applyLang(state.lang);

  $("problem-form").addEventListener("submit", (e) => { e.preventDefault(); solve(); });
  $("problem-form").addEventListener("change", (e) => {
    if (e.target.id === "dataset") {
      const ds = d.datasets.find((x) => x.name === e.target.value);
      if (!ds) return;
      $("X").value = ds.X.split(";").join("\n");
      $("y").value = ds.y.split(";").join("\n");
      $("layers").value = ds.layers.join(",");
      $("loss").value = ds.loss;
      renderTyped();
    } else if (e.target.id === "csv-file") {
      return;
    } else if (["init", "bias", "layers"].includes(e.target.id)) {
      if (e.target.id === "init" && e.target.value === "typed" && state.solution) {
        const W = state.solution.given.filter((m) => /^W\d+$/.test(m.name)).map((m) => m.text.map((r) => r.join(",")).join(";"));
        const b = state.solution.given.filter((m) => /^b\d+$/.test(m.name)).map((m) => m.text.map((r) => r.join(",")).join(";"));
        renderTyped(W, b.length ? b : null);
      } else {
        renderTyped();
      }
    }
    if (["X", "y"].includes(e.target.id)) matchDataset();
    solve();
  });
  $("csv-file").addEventListener("change", (e) => {
    const file = e.target.files[0];
    if (file) uploadCsv(file);
    e.target.value = "";
  });
  $("reset").addEventListener("click", () => {
    setProblem(d.problem, { steps: d.steps, numbers: d.numbers, precision: String(d.precision) });
    solve();
  });
  $("op-first").addEventListener("click", () => go(0));
  $("op-prev").addEventListener("click", () => go(state.at - 1));
  $("op-next").addEventListener("click", () => go(state.at + 1));
  $("op-forward").addEventListener("click", () => nextOfPhase("forward"));
  $("op-backward").addEventListener("click", () => nextOfPhase("backward"));
  $("op-update").addEventListener("click", () => nextOfPhase("update"));
  $("figures-box").addEventListener("toggle", () => {
    if ($("figures-box").open && state.ops[state.at]) loadFigures(state.ops[state.at].step);
  });
  for (const tab of document.querySelectorAll('[role="tab"]')) tab.addEventListener("click", () => selectTab(tab));
  document.addEventListener("keydown", onKey);
  $("train-run").addEventListener("click", () => trainRun(Math.max(1, Number($("train-steps").value) || 1)));
  $("train-toggle").addEventListener("click", trainToggle);
  $("train-reset").addEventListener("click", resetTraining);
  $("answer-add").addEventListener("click", () => addAnswer().querySelector("input").focus());
  $("check").addEventListener("click", check);
  for (const b of document.querySelectorAll("[data-export]")) b.addEventListener("click", () => exportAs(b.dataset.export));
  $("fig-download").addEventListener("click", () => exportAs("figure", { what: $("fig-what").value, figure_format: $("fig-format").value }));
  $("copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("command").textContent);
      $("export-status").textContent = t("copied");
    } catch {
      const range = document.createRange();
      range.selectNodeContents($("command"));
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
  });
  for (const b of document.querySelectorAll(".lang button")) b.addEventListener("click", () => switchLang(b.dataset.lang));
  await solve();
  document.body.dataset.ready = "true";
}

window.addEventListener("DOMContentLoaded", () => {
  start().catch((err) => {
    $("err-general").textContent = err.message;
  });
});
