"""Splitting a rubric into atomic checks, and phrasing one short yes/no question per check.

Grading notes are terse: points separated by commas, semicolons, full stops or bullets, with
`*` / `!` marking critical points and business shorthand (`val`, `post-$`, `mkt`). Small models
answer "does the response mention X?" far better than a whole rubric at once, and better still
when X is spelled out, so the rule splitter also expands common abbreviations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_QUESTION = "Does the response mention {concept}?"

# Common shorthand in rubrics and grading notes; general English/business abbreviations only.
ABBREVIATIONS: dict[str, str] = {
    "acq": "acquisition", "adv": "advantage", "advs": "advantages", "approx": "approximately",
    "bd": "board", "calc": "calculation", "calcs": "calculations", "comp": "competition",
    "comps": "comparables", "cond": "conditions", "corp": "corporate", "cust": "customer",
    "decis": "decision", "dev": "development", "diff": "differentiation", "est": "estimate",
    "exp": "experience", "fin": "financial", "gov": "governance", "hist": "historical",
    "imp": "important", "inc": "increase", "infl": "influences", "int'l": "international",
    "invstmnt": "investment", "mgmt": "management", "mkt": "market", "mkts": "markets",
    "mo": "months", "mth": "month", "mthly": "monthly", "mult": "multiple", "op": "operating",
    "ops": "operations", "opps": "opportunities", "pref": "preferred", "prefs": "preferences",
    "proj": "projections", "qtrly": "quarterly", "rec": "record", "reg": "regulatory",
    "reqs": "requirements", "req'd": "required", "rev": "revenue", "shld": "should",
    "strat": "strategy", "synd": "syndicate", "tech": "technology", "uniq": "unique",
    "val": "valuation", "vs": "versus", "wk": "week", "yr": "year",
    "yrs": "years", "yoy": "year over year",
}
_SYMBOLS = (
    (re.compile(r"post-\$", re.I), "post-money"),
    (re.compile(r"pre-\$", re.I), "pre-money"),
    (re.compile(r"\bw/\s*"), "with "),
    (re.compile(r"\s&\s"), " and "),
    (re.compile(r"(\d)\s*(mo|mth|yrs?|wk)\b\+?", re.I), r"\1 \2"),
)
_SEPARATORS = re.compile(r"[;\n•]|(?<!\d),(?!\d)|\.(?=\s)|(?<=\w)\.$|^\s*[-*]\s+", re.M)
_MARKS = re.compile(r"[*!]+")
_WORD = re.compile(r"[A-Za-z$][\w'$/+-]*")
_LEADS = re.compile(r"^(caution|watch for|watch|consider|focus on|focus|note|beware)\s*:?\s*",
                    re.I)


@dataclass(frozen=True)
class Concept:
    """One atomic point of a rubric.

    Attributes:
        text: the point, cleaned and with abbreviations spelled out.
        raw: the point as written.
        critical: the rubric marked it (`*` or `!`).
    """

    text: str
    raw: str
    critical: bool


def split_rubric(rubric: str, *, expand: bool = True) -> list[Concept]:
    """Split a rubric into concepts by commas, semicolons, full stops, bullets and new lines.

    Commas between digits (`$1,000`) and separators inside parentheses do not split.
    """
    concepts = []
    for raw in _split_outside_parens(rubric):
        critical = bool(_MARKS.search(raw))
        text = _LEADS.sub("", _MARKS.sub("", raw).strip(" .:+-\t")).strip(" .:+-")
        if len(text) < 2:
            continue
        concepts.append(Concept(expand_abbreviations(text) if expand else text, raw.strip(),
                                critical))
    return concepts


def expand_abbreviations(text: str) -> str:
    """Spell out common shorthand (`post-$ val` → `post-money valuation`)."""
    for pattern, full in _SYMBOLS:
        text = pattern.sub(full, text)

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        stripped = word.rstrip(".")
        full = ABBREVIATIONS.get(stripped.lower())
        return full if full is not None else word

    return _WORD.sub(replace, text).replace("  ", " ").strip()


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
