"""inspect_ai: the judge as a `@scorer` in importable Python.

The scorer renders the judge's prompt from the task state — output fields from the model's
completion, `input`/`question` from the sample's input, any other field from the sample's
metadata — asks the grader model, and reads its answer strictly: a JSON object's `verdict`, else
the answer when its whole text, its last non-empty line or its last `Verdict:` line is a bare
PASS or FAIL (or categorical label; markdown and punctuation aside; the last of these decides).
CORRECT for a pass, INCORRECT for a fail; anything else ("NOT PASS", a verdict word inside
reasoning, a hedged `Verdict: PASS if …`) scores NOANSWER with the raw text in the explanation,
never a guess. The prompt asks for a final `Verdict:` line. A decomposed judge with fixed
questions asks each check and passes only when every answer is a bare yes.
"""

from __future__ import annotations

from evalign.judges.exports.common import (
    OUTPUT_FIELDS,
    Exported,
    instructions,
    provider_model,
    python_literal,
    questions,
    verdict_words,
)
from evalign.judges.spec import JudgeSpec

_RUNTIME = '''

def _field(state, name):
    if name in OUTPUT_FIELDS:
        return state.output.completion
    if name in ("input", "question", "user_input"):
        return state.input_text
    return str((state.metadata or {}).get(name, ""))


_MARKER = re.compile(r"^\\W*(?:final\\s+)?verdict\\W*?[:=]\\s*(.*)$", re.IGNORECASE)


def _bare(text, words):
    # The word `text` is, markdown and punctuation aside, else None ("NOT PASS" is none).
    core = text.strip().strip("*_`\\"'.!#[]() \\t").strip().lower()
    return core if core in words else None


def _verdict(text, words):
    # Strict: a JSON object's "verdict" (the whole answer, fenced or not, or its last line);
    # else the last non-empty line (the whole answer when it has one line) or else the last
    # Verdict: line, when it is a bare word. Else None: NOANSWER, never a guess.
    answer = text.strip()
    lines = [line.strip() for line in answer.splitlines() if line.strip()]
    fenced = re.fullmatch(r"```(?:json)?\\s*(.*?)\\s*```", answer, re.DOTALL)
    for candidate in (fenced.group(1) if fenced else answer, lines[-1] if lines else ""):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            keyed = {str(key).lower(): value for key, value in data.items()}
            return _bare(str(keyed.get("verdict", "")), words)
    last = _bare(lines[-1], words) if lines else None
    if last is not None:
        return last
    for line in reversed(lines):
        marker = _MARKER.match(line)
        if marker:
            return _bare(marker.group(1), words)
    return None
'''


def export(name: str, spec: JudgeSpec) -> Exported:
    """Python source defining the scorer function `judge_scorer` (`@scorer` decorated)."""
    provider, model = provider_model(spec)
    grader = f"{provider}/{model}" if provider in ("openai", "anthropic") and model else None
    words = ["yes", "no"] if spec.kind == "decomposed" else [
        w.lower() for w in verdict_words(spec)]
    passing = ["yes"] if spec.kind == "decomposed" else _passing(spec)
    head = ['"""evalign judge ' + name + ' exported for inspect_ai (a scorer)."""', "",
            "import json", "import re", "",
            "from inspect_ai.model import get_model",
            "from inspect_ai.scorer import (CORRECT, INCORRECT, NOANSWER, Score, Target, "
            "accuracy, scorer, stderr)",
            "from inspect_ai.solver import TaskState", "",
            f"OUTPUT_FIELDS = {tuple(OUTPUT_FIELDS)!r}",
            f"GRADER = {python_literal(grader) if grader else 'None'}  # None: the task's model",
            f"WORDS = {words!r}", f"PASSING = {passing!r}"]
    if spec.kind == "decomposed":
        head.append(f"QUESTIONS = {questions(spec)!r}")
        ask = ["    for question in QUESTIONS:",
               "        prompt = (f\"Input:\\n{state.input_text}\\n\\nResponse:\\n\""
               " f\"{state.output.completion}\\n\\n{question} Answer with one word: Yes or No.\")",
               "        answer = (await model.generate(prompt)).completion",
               "        word = _verdict(answer, WORDS)",
               "        if word is None:",
               "            return Score(value=NOANSWER, answer=answer, "
               "explanation=f'unreadable: {answer!r}')",
               "        if word not in PASSING:",
               "            return Score(value=INCORRECT, answer=word, explanation=question)",
               "    return Score(value=CORRECT, answer='yes', explanation='every check passed')"]
    else:
        names = _fields(spec)
        template = instructions(spec, lambda f: "{" + f + "}")
        head += [f"TEMPLATE = {python_literal(template)}", f"FIELDS = {names!r}"]
        ask = ["    prompt = TEMPLATE",
               "    for name in FIELDS:",
               "        prompt = prompt.replace('{' + name + '}', _field(state, name))",
               f"    prompt += {python_literal(_answer_hint(words))}",
               "    answer = (await model.generate(prompt)).completion",
               "    word = _verdict(answer, WORDS)",
               "    if word is None:",
               "        return Score(value=NOANSWER, answer=answer, "
               "explanation=f'unreadable: {answer!r}')",
               "    return Score(value=CORRECT if word in PASSING else INCORRECT, answer=word, "
               "explanation=answer)"]
    body = ["", "", "@scorer(metrics=[accuracy(), stderr()])", "def judge_scorer():",
            f"    \"\"\"evalign judge {name}.\"\"\"", "",
            "    async def score(state: TaskState, target: Target) -> Score:",
            "        model = get_model(GRADER) if GRADER else get_model()",
            *["    " + line for line in ask], "", "    return score"]
    notes = ["output fields come from the completion; other fields from the sample's "
             "input/metadata"]
    text = "\n".join(head) + _RUNTIME + "\n".join(body) + "\n"
    return Exported("inspect", {f"{name}_inspect.py": text}, notes)


def _fields(spec: JudgeSpec) -> list[str]:
    from evalign.judges.template import template_fields

    return list(template_fields(spec.prompt))


def _passing(spec: JudgeSpec) -> list[str]:
    if spec.scale.kind == "categorical":
        return [str(label).lower() for label in spec.scale.pass_labels]
    return ["pass"]


def _answer_hint(words: list[str]) -> str:
    options = " or ".join(f"Verdict: {w.upper()}" for w in words)
    return f"\n\nYou may reason first; then end with a last line that is only {options}."
