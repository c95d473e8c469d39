"""Splitting a rubric into atomic checks, and phrasing one short yes/no question per check.

Grading notes are terse: points separated by commas, semicolons, full stops or bullets, with
`*` / `!` marking critical points. Small models answer "does the response mention X?" far better
than a whole rubric at once, and better still when X is spelled out. evalign knows no domain's
shorthand: a user's glossary (`evalign align --glossary FILE`, see `evalign.judges.glossary`)
spells terms out, and a model splitter (`split_with_model`) can rewrite a rubric into checks,
with these rules as its fallback.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_QUESTION = "Does the response mention {concept}?"
SPLIT_PROMPT = (
    "Rewrite the grading notes below as a list of atomic points that a good answer must cover: "
    "one point for each item of the notes, never two items in one point. Spell out every "
    "abbreviation in plain words, in the sense the task gives it, keep each point as short as the "
    "notes' own wording, and do not explain or add anything. One point per line, each starting "
    "with \"- \", at most {limit} points, nothing else.\n\n{context}Grading notes:\n{rubric}"
)
REFERENCES_SPLIT_PROMPT = (
    "The reference answers below were written independently by people who know the source. "
    "List the key points a correct answer must state, preferring points that several references "
    "share: one short factual statement per line, each starting with \"- \", at most {limit} "
    "points, nothing else.\n\nReference answers:\n{rubric}"
)
REFERENCE_QUESTION = "Does the response state that {concept}?"
MAX_POINTS = 10
MAX_QUESTIONS = 8
_SEPARATORS = re.compile(r"[;\n•]|(?<!\d),(?!\d)|\.(?=\s)|(?<=\w)\.$|^\s*[-*]\s+", re.M)
_MARKS = re.compile(r"[*!]+")
_LEADS = re.compile(r"^(caution|watch for|watch|consider|focus on|focus|note|beware)\s*:?\s*",
                    re.I)
_BOLD_TERM = re.compile(r"^\*\*(.+?)\*\*\s*:")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_QUESTION_START = re.compile(r"^(?:does|is|are|do|did|has|have|can|will|would)\b", re.I)
_OWN_ANSWER = re.compile(r"[(\[-]?\s*(?:yes|no|n/?a)\b[^\n]{0,40}", re.I)
_NEGATED = re.compile(r"^(?:does|do|is)\s+the\s+response\s+(?:(?:do|does)\s+)?not\b", re.I)
_REFERENCE_HEAD = re.compile(r"^\s*reference(?:\s+answer)?\s*\d*\s*:\s*$", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W\d_]")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.*\S)\s*$")


@dataclass(frozen=True)
class Concept:
    """One atomic point of a rubric.

    Attributes:
        text: the point, cleaned and with glossary terms spelled out.
        raw: the point as written.
        critical: the rubric marked it (`*` or `!`).
    """

    text: str
    raw: str
    critical: bool


def split_rubric(rubric: str, glossary: Mapping[str, str] | None = None) -> list[Concept]:
    """Split a rubric into concepts by commas, semicolons, full stops, bullets and new lines.

    Commas between digits (`$1,000`) and separators inside parentheses do not split; terms of
    `glossary` (whole words, any case) are spelled out.
    """
    concepts = []
    for raw in _split_outside_parens(rubric):
        critical = bool(_MARKS.search(raw))
        text = _LEADS.sub("", _MARKS.sub("", raw).strip(" .:+-\t")).strip(" .:+-")
        if len(text) < 2:
            continue
        concepts.append(Concept(expand_terms(text, glossary or {}), raw.strip(), critical))
    return concepts


def split_references(text: str, limit: int = MAX_POINTS) -> list[Concept]:
    """The sentences of reference answers as points, taken in turn from each reference.

    A `Reference N:` heading line starts a new reference and is not a point; sentences end at
    `.`, `!` or `?` followed by a space. Repeated sentences count once, and at most `limit`
    points are kept, spread over the references rather than all from the first.
    """
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if _REFERENCE_HEAD.match(line):
            blocks.append([])
        elif line.strip():
            blocks[-1].extend(_sentences(line))
    seen: set[str] = set()
    points: list[Concept] = []
    for row in itertools.zip_longest(*[b for b in blocks if b]):
        for sentence in row:
            key = " ".join(str(sentence).lower().split()).rstrip(".!?")
            if sentence is None or len(key) < 2 or key in seen:
                continue
            seen.add(key)
            points.append(Concept(str(sentence).rstrip("."), str(sentence), False))
    return points[:limit]


def _sentences(line: str) -> list[str]:
    """The sentences of one line; a piece of under three words (`Mr.`, `Why?`) joins the
    next one (the last joins the one before), so abbreviations do not become points."""
    out: list[str] = []
    carry = ""
    for piece in (p.strip() for p in _SENTENCE_END.split(line)):
        if not piece:
            continue
        text = f"{carry} {piece}".strip()
        carry = text if len(text.split()) < 3 else ""
        if not carry:
            out.append(text)
    if carry:
        out[-1:] = [f"{out[-1]} {carry}"] if out else [carry]
    return out


def expand_terms(text: str, glossary: Mapping[str, str]) -> str:
    """Replace each glossary term (whole word or symbol run, case-insensitive) by its expansion.

    Longer terms win over shorter ones that they contain (`post-$` before `$`).
    """
    if not glossary:
        return text
    terms = sorted(glossary, key=len, reverse=True)
    lookup = {t.lower(): glossary[t] for t in terms}
    pattern = re.compile("|".join(rf"(?<![\w$]){re.escape(t)}(?![\w$])" for t in terms), re.I)
    expanded = pattern.sub(lambda m: lookup[m.group(0).lower()], text)
    return re.sub(r"\s{2,}", " ", expanded).strip()


REFERENCE_FIELDS = ("references", "reference", "reference_answer", "reference_answers",
                    "reference_output", "expected_answer", "expected_output",
                    "expected_response", "ground_truth", "gold_answer", "gold", "ideal_answer")
"""Field names that hold reference answers (prose to draw facts from, not terse notes)."""


def is_reference_field(field: str) -> bool:
    """Whether a rubric field holds reference answers (split into facts, not notes)."""
    name = field.lower()
    return name in REFERENCE_FIELDS or name.endswith(("_reference", "_references"))


def split_prompt_for(field: str) -> tuple[str, int]:
    """The prompt that rewrites the field `field` as points, and its answer's token budget.

    Reference answers are prose written by several people: their shared facts become the points,
    and they stand alone. Anything else is read as terse notes, one point per item of the notes,
    whose shorthand only the task explains: that prompt shows the item's `{context}` (its fields
    but the response and the notes) before them; the references' prompt has no such slot.
    """
    if is_reference_field(field):
        return REFERENCES_SPLIT_PROMPT, 300
    return SPLIT_PROMPT, 160


def parse_points(text: str, limit: int = MAX_POINTS) -> list[str]:
    """The bullet lines of a model's answer (at most `limit`); none when it wrote no bullets."""
    points = []
    for line in text.splitlines():
        found = _BULLET.match(line)
        if not found:
            continue
        # Models decorate points ("**term**: gloss"); the point is the term itself.
        bold = _BOLD_TERM.match(found.group(1))
        point = bold.group(1) if bold else found.group(1).replace("**", "")
        point = _LEADS.sub("", point.strip(" .")).strip(" .")
        # A small model can loop ("- - - - …"): a point with no letter is no point to check.
        if len(point) >= 2 and _WORD.search(point):
            points.append(point)
    return points[:limit]


def parse_questions(text: str, limit: int = MAX_QUESTIONS) -> list[str]:
    """The yes/no questions of a model-written checklist, numbering stripped, unique, in order.

    Small models answer their own questions ("Does the response cite X? Yes.") and nest
    bullets under a stem ("Does the response avoid:" then "- copyrighted images"); both are
    read as questions, since dropping them left whole checklists empty (29 of 63 MT-Bench
    items on the local 1.5B). A question asked in the negative ("Does the response not …?")
    is dropped: a yes to it means the response fails, the opposite of every other check.
    """
    questions: list[str] = []
    stem: str | None = None
    for raw in text.splitlines():
        bulleted = _BULLET.match(raw) is not None
        line = re.sub(r"^[\s\d.)*•-]+", "", raw).strip()
        if stem is not None and bulleted and line:
            questions.append(f"{stem} {line[0].lower()}{line[1:].rstrip('.;:')}?")
            continue
        stem = _stem(line)
        if stem is None:
            questions.append(_own_answer_cut(line))
    kept = (q for q in questions if q.endswith("?") and len(q) > 8 and not _NEGATED.match(q))
    return list(dict.fromkeys(kept))[:limit]


def _stem(line: str) -> str | None:
    """The question a list of bullets continues ("Does the response avoid" from "Does the
    response avoid the following:"), or None when the line is no such stem."""
    if not (line.endswith(":") and _QUESTION_START.match(line)):
        return None
    return re.sub(r"\s+(?:(?:do\s+)?the\s+following|these)\s*$", "", line[:-1].strip(),
                  flags=re.I) or None


def _own_answer_cut(line: str) -> str:
    """The question of a line that answers it too ("… cite X? Yes." → "… cite X?")."""
    head, mark, tail = line.rpartition("?")
    if mark and _OWN_ANSWER.fullmatch(tail.strip()):
        return head + mark
    return line


def question_for(concept: Concept | str, template: str = DEFAULT_QUESTION) -> str:
    """The yes/no question asked for one concept."""
    text = concept.text if isinstance(concept, Concept) else concept
    return template.replace("{concept}", f'"{text}"')


def _split_outside_parens(text: str) -> list[str]:
    parts: list[str] = []
    depth, start = 0, 0
    for match in re.finditer(r"[()]|" + _SEPARATORS.pattern, text, re.M):
        token = match.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            parts.append(text[start:match.start()])
            start = match.end()
    parts.append(text[start:])
    return [p for p in parts if p.strip()]
