"""The prose of explanations and solutions, in English and in Russian.

The Russian wording follows the seed's original text (``problem_05_backprop_matrix_form.ru.md``):
«прямой проход», «обратный проход», «функция активации», «наблюдение», «сложная функция»,
«граф вычислений», «накопленное значение производной», «поэлементно».
"""

from __future__ import annotations

from ..errors import ConfigError

LANGS = ("en", "ru")

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Backpropagation in matrix form: the {arch} network",
        "intro": "A fully connected network with layers {arch} ({L} weight layers), {acts}, "
        "{bias}. Each neuron is a column of a weight matrix, each observation a row of X.",
        "acts_same": "activation f = {f} on the hidden layers",
        "acts_each": "activations {names}",
        "acts_none": "no hidden layers",
        "out_identity": "a linear output",
        "out_act": "output activation {g} = {name}",
        "bias_on": "with biases",
        "bias_off": "no biases",
        "legend": "where",
        "a_title": "(a) The network as a composite function",
        "a1": "1. Scalar equations",
        "a1_text": "For observation i, ⟦h^k_ij|h^k_{ij}⟧ is the output of neuron j of layer k "
        "before the "
        "activation function and ⟦o^k_ij|o^k_{ij}⟧ the same after it.",
        "layer": "Layer {k}:",
        "output_layer": "Output layer {k}:",
        "a2": "2. The nested function",
        "a2_text": "Substituting every layer into the next gives one composite function:",
        "a2_big": "The nested formula for this network would hold {count} weight and bias symbols "
        "(the limit is {limit}), too many to read; the scalar equations above and the matrix "
        "form below say the same thing.",
        "a3": "3. The matrix form",
        "a3_text": "Row ⟦i|i⟧ of ⟦H_k|H_k⟧ is the row ⟦(h^k_i1, …)|(h^k_{i1}, \\dots)⟧ of scalar "
        "equations: ⟦H_k = O_(k−1)·W_k|H_k = O_{k-1} \\cdot W_k⟧, "
        "with ⟦O_0 = X|O_0 = X⟧. The activation acts element-wise and never changes a shape.",
        "a3_bias": "The row ⟦b_k|b_k⟧ is added to each of the n rows of ⟦O_(k−1)·W_k|O_{k-1} "
        "\\cdot W_k⟧.",
        "softmax_row": "softmax normalises each row: it is the one activation that is not "
        "element-wise.",
        "a3_composite": "Altogether:",
        "b_title": "(b) Derivatives and the backpropagation algorithm",
        "forward": "Forward pass (the shape under every matrix); every intermediate is "
        "remembered for the backward pass:",
        "edges": "The derivative on every edge of the computational graph:",
        "edges_loss": "The loss and its derivative (the engine's convention: a mean over the "
        "n rows):",
        "edges_generic": "The loss is not fixed here: ⟦d|d⟧ starts from ⟦∂L/∂ŷ|\\partial L / "
        "\\partial \\hat{y}⟧ of the chosen loss.",
        "backward": "Backward pass, with one variable ⟦d|d⟧ for the accumulated derivative "
        "(⟦·|\\cdot⟧ is the matrix product, ⟦*|*⟧ the element-wise one); the shapes follow each "
        "line:",
        "backward_diagram": "The backward chain, with the derivative on each edge and a "
        "branch down to every weight matrix:",
        "update": "Gradient-descent step with learning rate ⟦η|\\eta⟧, for every layer:",
        # -- layer-wise updates, the chapter's problem 08 (explain(update="layerwise"))
        "backward_layerwise": "Backward pass with layer-wise updates (the chapter's problem "
        "08): each ⟦W_k|W_k⟧ is updated with learning rate ⟦η|\\eta⟧ as soon as its gradient "
        "is known, and the next ⟦d|d⟧ is computed with the updated ⟦W_kⁿᵉʷ|W_k^{\\mathrm{new}}⟧, "
        "while ⟦H_k|H_k⟧ and ⟦O_k|O_k⟧ stay those of the forward pass with the old weights "
        "(⟦·|\\cdot⟧ is the matrix product, ⟦*|*⟧ the element-wise one); the shapes follow "
        "each line:",
        "update_layerwise": "Every layer has already been updated inside the backward pass. "
        "Only the output layer's gradients are those of the usual step: below "
        "the output layer each ⟦d|d⟧ goes through ⟦W_kⁿᵉʷ = W_k − η·∂L/∂W_k|W_k^{\\mathrm{new}} "
        "= W_k - \\eta \\cdot \\partial L / \\partial W_k⟧ instead of ⟦W_k|W_k⟧, so a lower "
        "layer follows a gradient taken with the layers above it already moved, while the "
        "output error and ⟦H_k|H_k⟧, ⟦O_k|O_k⟧ still come from the old weights. The step "
        "differs from the usual one by ⟦O(η²)|O(\\eta^2)⟧: a block Gauss–Seidel-like step "
        "instead of a Jacobi-like one.",
        "cost_title": "Cost",
        "cost": "Every derivative is computed once and every forward result is reused, so "
        "the cost is linear in the number of parameters. One step on n rows costs exactly:",
        "cost_fwd": "forward, the products ⟦O_(k−1)·W_k|O_{k-1} \\cdot W_k⟧",
        "cost_dw": "backward, ⟦∂L/∂W_k = O_(k−1)ᵀ·d|\\partial L / \\partial W_k = O_{k-1}^T "
        "\\cdot d⟧",
        "cost_back": "backward, ⟦d·W_kᵀ|d \\cdot W_k^T⟧",
        "cost_elem": "backward, the element-wise products ⟦* f'(H_k)|* f'(H_k)⟧",
        "cost_update": "the update, one per parameter",
        "cost_for_n": "for",
        "cost_total": "Multiply-adds in all, for {P} parameters ({Pw} of them weights):",
        "cost_bias": "Bias sums ⟦1ᵀ·d|\\mathbf{1}^T \\cdot d⟧ and bias additions add ⟦n·n_k|n "
        "\\cdot n_k⟧ additions per layer.",
        # -- worked solutions
        "s_title": "Worked solution: the {arch} network, {steps} gradient-descent step(s)",
        "s_given": "Given",
        "s_settings": "Loss {loss}, learning rate ⟦η|\\eta⟧ = {lr}, {order}.",
        "loss_mse": "MSE (mean squared error)",
        "loss_mse_half": "⟦½·MSE|\\tfrac{1}{2}\\,\\mathrm{MSE}⟧, the book's "
        "⟦1/(2n)·Σ (ŷ_i − y_i)²|\\frac{1}{2n}\\sum_i (\\hat{y}_i - y_i)^2⟧",
        "loss_logloss": "log-loss (binary cross-entropy)",
        "loss_cross_entropy": "cross-entropy",
        "s_batch": "full batch (every step uses all rows of X)",
        "s_row": "one row at a time: step t uses row ⟦((t − 1) mod {n}) + 1|((t - 1) \\bmod {n}) "
        "+ 1⟧",
        "s_exact": "All numbers are exact fractions.",
        "s_decimal": "Numbers are decimals rounded to {p} significant digits (computed in "
        "float64).",
        "s_exact_decimal": "All numbers are exact: the inputs are decimals, so every value is "
        "written out in full (a fraction only where it has no finite decimal).",
        "s_rounded_givens": "The network's initial weights are rounded to {p} significant digits "
        "as printed above, and the solution starts from these printed values.",
        "s_switch": "Steps 1–{t1} are worked in exact fractions. In step {t} the arithmetic "
        "leaves the rationals ({why}), so from step {t} on the numbers are decimals rounded "
        "to {p} significant digits.",
        "s_const": "The initialisation is constant: within each layer every neuron starts "
        "with the same weights, so all neurons of a layer compute the same output and get the "
        "same gradient, and they stay identical after every step. The layer works as one "
        "neuron; a random initialisation breaks this symmetry.",
        "s_const_holds": "Indeed, after the last step the columns of every hidden ⟦W_k|W_k⟧ are "
        "still equal.",
        "s_step": "Step {t}",
        "why_irrational": "{what} is irrational",
        "why_infinite": "{what} is infinite",
        "s_rows_all": "(rows 1–{n})",
        "s_row_one": "(row {i})",
        "s_forward": "Forward pass:",
        "s_forward_row": "Forward pass on row {i} alone (here X is that row and n = 1):",
        "s_loss": "Loss:",
        "s_backward": "Backward pass:",
        "s_update": "Update:",
        "s_result": "Result",
        "s_loss_history": "The loss before each step:",
        "s_check": "Check of your answer",
        "s_check_yours": "yours",
        "s_check_correct": "correct",
        # -- optimizers, mini-batches and the layer-wise update in a worked solution --
        "s_switch_first": "The inputs are exact, but step 1 already leaves the rationals "
        "({why}), so the numbers are decimals rounded to {p} significant digits (computed in "
        "float64).",
        "s_minibatch": "mini-batches of {B} rows in turn: step t uses rows "
        "⟦((t − 1)·{B} + i) mod {n} + 1|((t - 1) \\cdot {B} + i) \\bmod {n} + 1⟧ for "
        "⟦i = 0, …, {B1}|i = 0, \\dots, {B1}⟧",
        "s_rows_some": "(rows {rows})",
        "s_forward_rows": "Forward pass on rows {rows} alone (here X is those rows and n = {m}):",
        "s_opt_momentum": "Optimizer: gradient descent with momentum ⟦μ|\\mu⟧ = {mu} "
        "(mb.SGD(momentum=...)). Each parameter keeps a velocity, ⟦v_k|v_k⟧ for ⟦W_k|W_k⟧ "
        "(⟦v_bk|v_{b_k}⟧ for ⟦b_k|b_k⟧), in the units of the parameter and zero before step 1.",
        "s_opt_nesterov": "Optimizer: gradient descent with Nesterov momentum ⟦μ|\\mu⟧ = {mu} "
        "(mb.SGD(momentum=..., nesterov=True)). Each parameter keeps a velocity ⟦v_k|v_k⟧, zero "
        "before step 1; ⟦W_k|W_k⟧ is the look-ahead point ⟦θ_k + μ·v_k|\\theta_k + \\mu v_k⟧ "
        "where the next gradient is taken.",
        "s_opt_adam": "Optimizer: Adam (mb.Adam) with ⟦β1|\\beta_1⟧ = {b1}, "
        "⟦β2|\\beta_2⟧ = {b2}, ⟦ε|\\varepsilon⟧ = {eps}. Each parameter keeps a first "
        "moment ⟦m_k|m_k⟧ and a second moment ⟦s_k|s_k⟧ (the engine's slots m and v), zero "
        "before step 1; t counts the steps and ⟦m̂_k|\\hat{m}_k⟧, ⟦ŝ_k|\\hat{s}_k⟧ are the "
        "bias-corrected moments. {eps_on}",
        "s_adam_eps_v": "As in mb.Adam() by default (epsilon_on='v'), ⟦ε|\\varepsilon⟧ is "
        "added to ⟦√s|\\sqrt{s}⟧: that is ⟦ε/√(1 − β2^t)|\\varepsilon / \\sqrt{1 - \\beta_2^t}⟧ "
        "added to ⟦√ŝ|\\sqrt{\\hat{s}}⟧.",
        "s_adam_eps_v_hat": "⟦ε|\\varepsilon⟧ is added to ⟦√ŝ|\\sqrt{\\hat{s}}⟧ "
        "(epsilon_on='v_hat'), as in PyTorch.",
        "s_layerwise": "Layer-wise update: each ⟦W_k|W_k⟧ is updated as soon as "
        "⟦∂L/∂W_k|\\partial L / \\partial W_k⟧ is known, in the middle of the backward pass, "
        "and the next d is computed with the updated ⟦W_k^(t+1)|W_k^{(t+1)}⟧; H and O stay "
        "those of the forward pass, with the old weights.",
        "s_backward_layerwise": "Backward pass with the layer-wise update, in this order: d, "
        "⟦∂L/∂W_k|\\partial L / \\partial W_k⟧, the update of ⟦W_k|W_k⟧, the next d "
        "through the updated ⟦W_k^(t+1)|W_k^{(t+1)}⟧:",
        "diag_old_W_used": "it is what the step gives with the old ⟦W_k|W_k⟧ of the forward "
        "pass in ⟦d·W_kᵀ|d \\cdot W_k^T⟧, where the layer-wise update uses the updated one",
        "c_all_ok": "All {count} value(s) you gave match.",
        "c_summary": "Checked {total} value(s): {ok} match, {bad} differ, {unread} could not be "
        "read.",
        "c_carried": "Error carried forward: each value is judged against what its formula "
        "gives from your own earlier values (where you gave them).",
        "c_match": "matches",
        "c_or": "; or ",
        "c_differs": "differs",
        "c_unreadable": "could not be read",
        "c_at_step": "step {t}",
        "c_col_value": "value",
        "c_col_verdict": "verdict",
        "diag_transposed": "your {sym} is the transpose of the correct one",
        "diag_shape": "{sym} has shape {want}, yours has shape {got}",
        "diag_sign": "your {sym} has the wrong sign",
        "diag_no_mean": "it is what the step gives without the 1/n of the mean (a sum over "
        "the {n} rows)",
        "diag_extra_mean": "it is what the step gives with an extra 1/n (n = {n})",
        "diag_no_half": "it is what the step gives without the ⟦½|\\tfrac{1}{2}⟧ of the loss",
        "diag_extra_half": "it is what the step gives with an extra ⟦½|\\tfrac{1}{2}⟧ in the loss",
        "diag_no_outputs_mean": "it is what the step gives without the 1/m of the mean over "
        "the {m} outputs",
        "diag_fp_at_O": "it is what the step gives with f' taken at O instead of H",
        "diag_f_for_fp": "it is what the step gives with f(H) written for f'(H)",
        "diag_plus_update": "it is what the step gives with the update ⟦W + η·∂L/∂W|W + \\eta "
        "\\cdot \\partial L / \\partial W⟧ (+ instead of ⟦−|-⟧)",
        "diag_updated_before_used": "it is what the step gives with ⟦W_k|W_k⟧ updated before "
        "⟦d·W_kᵀ|d \\cdot W_k^T⟧ used it (the backward pass needs the ⟦W_k|W_k⟧ of the forward "
        "pass)",
        "diag_wrong_row": "it is what the step gives from row {row} instead of row(s) {rows}",
        "diag_empty": "no value after =",
        "diag_ragged": "its rows have unequal lengths ({lengths})",
        "diag_not_a_number": "{token} (row {row}, column {col}) is not a number",
        "diag_bad_key": "names look like W2 or d2@3",
        "diag_bad_step": "step {t} is not in 1..{T}",
        "diag_bad_name": "{name} names no value of step {t}; the values are {names}",
        "s_where_fp": "where",
        "order_batch": "full batch",
        "order_row": "one row at a time",
        # -- problem variants (problems.py, _problem_doc.py)
        "p_sheet_title": "Problem sheet: {ids}",
        "p_key_title": "Answer key: {ids}",
        "p_variant": "Variant {id}",
        "p_key_variant": "Answer key, variant {id}",
        "p_settings_pass": "Loss {loss}; one forward and one backward pass on all rows of X.",
        "p_questions": "Questions",
        "p_q_forward": "Forward pass: compute",
        "p_q_loss": "Compute the loss L.",
        "p_q_backward": "Backward pass: compute",
        "p_q_update": "Gradient-descent step: compute the new",
        "p_no_loss": "The value of the loss itself is not asked: a log-loss is not a fraction.",
        "p_exact": "Write every number as an exact fraction; every one of them is short.",
        "p_difficulty": "Difficulty: {numbers} distinct numbers among the {entries} entries to "
        "write; the largest denominator is {den}.",
        "p_key_line": "One-line key (the names and the form that solve --check reads):",
    },
    "ru": {
        "title": "Бэкпроп в матричном виде: нейросеть {arch}",
        "intro": "Полносвязная нейросеть со слоями {arch} (слоёв весов: {L}), {acts}, "
        "{bias}. Каждый нейрон — это столбец матрицы весов, каждое наблюдение — строчка X.",
        "acts_same": "функция активации f = {f} на скрытых слоях",
        "acts_each": "функции активации {names}",
        "acts_none": "без скрытых слоёв",
        "out_identity": "линейный выход",
        "out_act": "функция активации на выходе {g} = {name}",
        "bias_on": "со свободными членами (bias)",
        "bias_off": "без свободных членов",
        "legend": "где",
        "a_title": "а) Нейросеть как сложная функция",
        "a1": "1. Несколько уравнений",
        "a1_text": "Для i-го наблюдения ⟦h^k_ij|h^k_{ij}⟧ — выход j-го нейрона k-го слоя до "
        "применения "
        "функции активации, ⟦o^k_ij|o^k_{ij}⟧ — всё то же самое после её применения.",
        "layer": "Слой {k}:",
        "output_layer": "Выходной слой {k}:",
        "a2": "2. Сложная функция",
        "a2_text": "Подставим результат вычисления каждого слоя в следующий и получим одну "
        "сложную функцию:",
        "a2_big": "Для этой сети сложная функция содержала бы {count} весов и свободных членов "
        "(предел — {limit}): такую формулу невозможно прочитать. Уравнения выше и матричный "
        "вид ниже говорят то же самое.",
        "a3": "3. Матричный вид",
        "a3_text": "Строчка ⟦i|i⟧ матрицы ⟦H_k|H_k⟧ — это строчка ⟦(h^k_i1, …)|(h^k_{i1}, "
        "\\dots)⟧ из уравнений выше: "
        "⟦H_k = O_(k−1)·W_k|H_k = O_{k-1} \\cdot W_k⟧, где ⟦O_0 = X|O_0 = X⟧. Функция активации "
        "применяется поэлементно и никак "
        "не меняет размер матрицы.",
        "a3_bias": "Строчка ⟦b_k|b_k⟧ прибавляется к каждой из n строчек ⟦O_(k−1)·W_k|O_{k-1} "
        "\\cdot W_k⟧.",
        "softmax_row": "softmax нормирует каждую строчку: это единственная функция "
        "активации, которая применяется не поэлементно.",
        "a3_composite": "В итоге нейросеть в матричном виде выглядит как",
        "b_title": "б) Производные и алгоритм обратного распространения ошибки",
        "forward": "Прямой проход (forward pass), под каждой матрицей её размерность; все "
        "промежуточные результаты запоминаем, они пригодятся при обратном проходе:",
        "edges": "Производная на каждом ребре графа вычислений:",
        "edges_loss": "Функция потерь и её производная (как в движке: среднее по n наблюдениям):",
        "edges_generic": "Функция потерь здесь не задана: ⟦d|d⟧ начинается с ⟦∂L/∂ŷ|\\partial L "
        "/ \\partial \\hat{y}⟧ выбранной "
        "функции потерь.",
        "backward": "Обратный проход; для накопленного значения производной заведём "
        "переменную ⟦d|d⟧ (⟦·|\\cdot⟧ — матричное умножение, ⟦*|*⟧ — поэлементное); справа "
        "размерности:",
        "backward_diagram": "Обратный проход в виде схемы: производная на каждом ребре и "
        "ветка к каждой матрице весов:",
        "update": "Шаг градиентного спуска со скоростью обучения ⟦η|\\eta⟧ для каждого слоя:",
        "backward_layerwise": "Обратный проход с послойным обновлением весов (вопрос задачи "
        "08): каждую ⟦W_k|W_k⟧ обновляем со скоростью обучения ⟦η|\\eta⟧ сразу, как только "
        "узнали её градиент, а следующее ⟦d|d⟧ считаем уже с обновлённой "
        "⟦W_kⁿᵉʷ|W_k^{\\mathrm{new}}⟧; ⟦H_k|H_k⟧ и ⟦O_k|O_k⟧ остаются из прямого прохода со "
        "старыми весами (⟦·|\\cdot⟧ — матричное умножение, ⟦*|*⟧ — поэлементное); справа "
        "размерности:",
        "update_layerwise": "Шаг спуска для каждого слоя уже сделан внутри обратного прохода. "
        "С обычным шагом совпадают только градиенты выходного слоя: ниже "
        "выходного слоя каждое ⟦d|d⟧ проходит через ⟦W_kⁿᵉʷ = W_k − η·∂L/∂W_k|"
        "W_k^{\\mathrm{new}} = W_k - \\eta \\cdot \\partial L / \\partial W_k⟧ вместо "
        "⟦W_k|W_k⟧, поэтому нижний слой идёт по градиенту, посчитанному при уже сдвинутых "
        "верхних слоях, а ошибка на выходе и ⟦H_k|H_k⟧, ⟦O_k|O_k⟧ — по-прежнему от старых "
        "весов. От обычного шага это отличается на ⟦O(η²)|O(\\eta^2)⟧: шаг в духе блочного "
        "метода Гаусса–Зейделя вместо метода Якоби.",
        "cost_title": "Сложность",
        "cost": "Каждую производную мы посчитали один раз, а результаты прямого прохода "
        "переиспользовали, поэтому алгоритм линеен по числу параметров. Один шаг на n "
        "наблюдениях стоит ровно:",
        "cost_fwd": "прямой проход, произведения ⟦O_(k−1)·W_k|O_{k-1} \\cdot W_k⟧",
        "cost_dw": "обратный проход, ⟦∂L/∂W_k = O_(k−1)ᵀ·d|\\partial L / \\partial W_k = "
        "O_{k-1}^T \\cdot d⟧",
        "cost_back": "обратный проход, ⟦d·W_kᵀ|d \\cdot W_k^T⟧",
        "cost_elem": "обратный проход, поэлементные произведения ⟦* f'(H_k)|* f'(H_k)⟧",
        "cost_update": "шаг спуска, по одному на параметр",
        "cost_for_n": "при",
        "cost_total": "Всего умножений-сложений на {P} параметров (из них весов: {Pw}):",
        "cost_bias": "Суммы ⟦1ᵀ·d|\\mathbf{1}^T \\cdot d⟧ и прибавление свободных членов дают "
        "ещё по ⟦n·n_k|n \\cdot n_k⟧ сложений "
        "на слой.",
        "s_title": "Решение с числами: нейросеть {arch}, шагов градиентного спуска: {steps}",
        "s_given": "Дано",
        "s_settings": "Функция потерь {loss}, скорость обучения ⟦η|\\eta⟧ = {lr}, {order}.",
        "loss_mse": "MSE (среднеквадратичная ошибка)",
        "loss_mse_half": "⟦½·MSE|\\tfrac{1}{2}\\,\\mathrm{MSE}⟧, как в книге: "
        "⟦1/(2n)·Σ (ŷ_i − y_i)²|\\frac{1}{2n}\\sum_i (\\hat{y}_i - y_i)^2⟧",
        "loss_logloss": "логистическая (бинарная кросс-энтропия)",
        "loss_cross_entropy": "кросс-энтропия",
        "s_batch": "полный батч (каждый шаг использует все строчки X)",
        "s_row": "по одному наблюдению: шаг t использует строчку ⟦((t − 1) mod {n}) + 1|((t - 1) "
        "\\bmod {n}) + 1⟧",
        "s_exact": "Все числа — точные дроби.",
        "s_decimal": "Числа — десятичные дроби, округлённые до {p} значащих цифр (вычислено в "
        "float64).",
        "s_exact_decimal": "Все числа точные: входные данные — десятичные дроби, поэтому каждое "
        "значение записано полностью (обыкновенной дробью — только если у него нет конечной "
        "десятичной записи).",
        "s_rounded_givens": "Начальные веса сети округлены до {p} значащих цифр, как напечатано "
        "выше, и решение начинается именно с этих значений.",
        "s_switch": "Шаги 1–{t1} посчитаны в точных дробях. На шаге {t} вычисления выходят "
        "из рациональных чисел ({why}), поэтому начиная с шага {t} числа — десятичные "
        "дроби, округлённые до {p} значащих цифр.",
        "s_const": "Веса инициализированы константой: внутри каждого слоя все нейроны "
        "начинают с одинаковых весов, поэтому считают одно и то же, получают одинаковые "
        "градиенты и остаются одинаковыми после каждого шага. Слой работает как один нейрон; "
        "случайная инициализация разрушает эту симметрию.",
        "s_const_holds": "И правда: после последнего шага столбцы каждой скрытой матрицы ⟦W_k|W_k⟧ "
        "по-прежнему равны.",
        "s_step": "Шаг {t}",
        "why_irrational": "{what} — иррациональное число",
        "why_infinite": "{what} — бесконечность",
        "s_rows_all": "(строчки 1–{n})",
        "s_row_one": "(строчка {i})",
        "s_forward": "Прямой проход:",
        "s_forward_row": "Прямой проход только по строчке {i} (здесь X — эта строчка, n = 1):",
        "s_loss": "Функция потерь:",
        "s_backward": "Обратный проход:",
        "s_update": "Шаг спуска:",
        "s_result": "Итог",
        "s_loss_history": "Значение функции потерь перед каждым шагом:",
        "s_check": "Проверка вашего ответа",
        "s_check_yours": "ваше",
        "s_check_correct": "верное",
        # -- оптимизаторы, мини-батчи и послойный шаг в решении с числами --
        "s_switch_first": "Входные данные точные, но уже шаг 1 выходит из рациональных чисел "
        "({why}), поэтому числа — десятичные дроби, округлённые до {p} значащих цифр "
        "(вычислено в float64).",
        "s_minibatch": "мини-батчи по {B} строчки по очереди: шаг t использует строчки "
        "⟦((t − 1)·{B} + i) mod {n} + 1|((t - 1) \\cdot {B} + i) \\bmod {n} + 1⟧ для "
        "⟦i = 0, …, {B1}|i = 0, \\dots, {B1}⟧",
        "s_rows_some": "(строчки {rows})",
        "s_forward_rows": "Прямой проход только по строчкам {rows} (здесь X — эти строчки, "
        "n = {m}):",
        "s_opt_momentum": "Оптимизатор: градиентный спуск с моментом ⟦μ|\\mu⟧ = {mu} "
        "(mb.SGD(momentum=...)). У каждого параметра своя скорость: ⟦v_k|v_k⟧ для ⟦W_k|W_k⟧ "
        "(⟦v_bk|v_{b_k}⟧ для ⟦b_k|b_k⟧), в единицах параметра, до шага 1 она равна нулю.",
        "s_opt_nesterov": "Оптимизатор: градиентный спуск с моментом Нестерова ⟦μ|\\mu⟧ = "
        "{mu} (mb.SGD(momentum=..., nesterov=True)). У каждого параметра своя скорость "
        "⟦v_k|v_k⟧, до шага 1 она равна нулю; ⟦W_k|W_k⟧ — точка «заглядывания вперёд» "
        "⟦θ_k + μ·v_k|\\theta_k + \\mu v_k⟧, в которой берётся следующий градиент.",
        "s_opt_adam": "Оптимизатор: Adam (mb.Adam) с ⟦β1|\\beta_1⟧ = {b1}, "
        "⟦β2|\\beta_2⟧ = {b2}, ⟦ε|\\varepsilon⟧ = {eps}. У каждого параметра свои первый "
        "момент ⟦m_k|m_k⟧ и второй момент ⟦s_k|s_k⟧ (в движке — m и v), до шага 1 они равны "
        "нулю; t — номер шага, ⟦m̂_k|\\hat{m}_k⟧ и ⟦ŝ_k|\\hat{s}_k⟧ — моменты с поправкой "
        "на смещение. {eps_on}",
        "s_adam_eps_v": "Как в mb.Adam() по умолчанию (epsilon_on='v'), ⟦ε|\\varepsilon⟧ "
        "прибавляется к ⟦√s|\\sqrt{s}⟧, то есть к ⟦√ŝ|\\sqrt{\\hat{s}}⟧ прибавляется "
        "⟦ε/√(1 − β2^t)|\\varepsilon / \\sqrt{1 - \\beta_2^t}⟧.",
        "s_adam_eps_v_hat": "⟦ε|\\varepsilon⟧ прибавляется к ⟦√ŝ|\\sqrt{\\hat{s}}⟧ "
        "(epsilon_on='v_hat'), как в PyTorch.",
        "s_layerwise": "Послойный шаг: каждая ⟦W_k|W_k⟧ обновляется сразу, как только "
        "известна ⟦∂L/∂W_k|\\partial L / \\partial W_k⟧, посреди обратного прохода, и "
        "следующее d считается уже с обновлённой ⟦W_k^(t+1)|W_k^{(t+1)}⟧; H и O остаются "
        "из прямого прохода, со старыми весами.",
        "s_backward_layerwise": "Обратный проход с послойным шагом, в таком порядке: d, "
        "⟦∂L/∂W_k|\\partial L / \\partial W_k⟧, обновление ⟦W_k|W_k⟧, следующее d "
        "через обновлённую ⟦W_k^(t+1)|W_k^{(t+1)}⟧:",
        "diag_old_W_used": "так получается, если в ⟦d·W_kᵀ|d \\cdot W_k^T⟧ взять старую "
        "⟦W_k|W_k⟧ из прямого прохода, а послойный шаг берёт уже обновлённую",
        "c_all_ok": "Все ваши значения ({count}) совпали.",
        "c_summary": "Проверено значений: {total}; совпало {ok}, не совпало {bad}, не удалось "
        "прочитать {unread}.",
        "c_carried": "С переносом ошибки: каждое значение сравнивается с тем, что даёт его "
        "формула из ваших же предыдущих значений (там, где вы их указали).",
        "c_match": "совпадает",
        "c_or": "; или ",
        "c_differs": "не совпадает",
        "c_unreadable": "не удалось прочитать",
        "c_at_step": "шаг {t}",
        "c_col_value": "значение",
        "c_col_verdict": "результат",
        "diag_transposed": "ваше {sym} — это транспонированное верное значение",
        "diag_shape": "размер {sym} — {want}, а у вас {got}",
        "diag_sign": "у вашего {sym} неверный знак",
        "diag_no_mean": "так получается без множителя 1/n среднего (сумма по {n} строчкам)",
        "diag_extra_mean": "так получается с лишним множителем 1/n (n = {n})",
        "diag_no_half": "так получается без ⟦½|\\tfrac{1}{2}⟧ в функции потерь",
        "diag_extra_half": "так получается с лишней ⟦½|\\tfrac{1}{2}⟧ в функции потерь",
        "diag_no_outputs_mean": "так получается без множителя 1/m среднего по {m} выходам",
        "diag_fp_at_O": "так получается, если взять f' от O вместо H",
        "diag_f_for_fp": "так получается, если написать f(H) вместо f'(H)",
        "diag_plus_update": "так получается при шаге ⟦W + η·∂L/∂W|W + \\eta \\cdot \\partial L / "
        "\\partial W⟧ (плюс вместо минуса)",
        "diag_updated_before_used": "так получается, если обновить ⟦W_k|W_k⟧ до того, как "
        "⟦d·W_kᵀ|d \\cdot W_k^T⟧ его использовал (обратному проходу нужна ⟦W_k|W_k⟧ прямого "
        "прохода)",
        "diag_wrong_row": "так получается по строчке {row} вместо строчек {rows}",
        "diag_empty": "после = нет значения",
        "diag_ragged": "строчки разной длины ({lengths})",
        "diag_not_a_number": "{token} (строчка {row}, столбец {col}) — не число",
        "diag_bad_key": "имена выглядят так: W2 или d2@3",
        "diag_bad_step": "шага {t} нет, есть 1..{T}",
        "diag_bad_name": "{name} — нет такого значения на шаге {t}; есть {names}",
        "s_where_fp": "где",
        "order_batch": "полный батч",
        "order_row": "по одному наблюдению",
        # -- варианты задачи (problems.py, _problem_doc.py)
        "p_sheet_title": "Условия задач: {ids}",
        "p_key_title": "Ответы: {ids}",
        "p_variant": "Вариант {id}",
        "p_key_variant": "Ответы, вариант {id}",
        "p_settings_pass": "Функция потерь {loss}; один прямой и один обратный проход по всем "
        "строчкам X.",
        "p_questions": "Задание",
        "p_q_forward": "Прямой проход: найдите",
        "p_q_loss": "Найдите значение функции потерь L.",
        "p_q_backward": "Обратный проход: найдите",
        "p_q_update": "Шаг градиентного спуска: найдите новые",
        "p_no_loss": "Само значение функции потерь находить не нужно: логистическая функция "
        "потерь — не дробь.",
        "p_exact": "Записывайте каждое число точной дробью; все они короткие.",
        "p_difficulty": "Сложность: {numbers} различных чисел среди {entries} записываемых "
        "значений; наибольший знаменатель — {den}.",
        "p_key_line": "Ответ в одну строчку (имена и запись, которые понимает solve --check):",
    },
}


def check_lang(lang: object) -> str:
    if lang not in LANGS:
        raise ConfigError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}")
    return str(lang)


def tr(lang: str, key: str, **values: object) -> str:
    """The string ``key`` in ``lang``, with ``values`` filled in."""
    s = STRINGS[lang][key]
    for name, value in values.items():  # not str.format: LaTeX braces stay as they are
        s = s.replace("{" + name + "}", str(value))
    return s
