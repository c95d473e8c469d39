"""The words a judge's answer is read with: verdict words, marker keys, hedges and negations.

Everything here is generic (no dataset's vocabulary) and lowercase; matching is
case-insensitive. Verdict words come in two strengths:

* **strong** words name a verdict and little else: `pass`, `fail`, `passed`, `not pass`, and
  the same in other languages (`通过`/`不通过`, `合格`/`不合格`, `bestanden`/`nicht bestanden`,
  `réussi`/`échec`, `aprobado`/`reprobado`, …). Negated forms are listed whole, so the longest
  match wins and `不通过` is never read as its substring `通过`.
* **weak** words are ordinary words that *can* be an answer (`yes`, `no`, `ok`, `good`, `true`,
  `correct`, `1`, `0`, `✅`): they count only when they are the whole answer, or when the prompt
  asked for them (see `evalign.judges.answer_vocabulary`). "Yes, the reply is polite, but…" is
  conversation, not a verdict.
"""

from __future__ import annotations

PASS, FAIL = "pass", "fail"

_STRONG_PASS = (
    "pass", "passed", "passes", "passing", "thumbs up", "thumbs_up", "👍",
    # zh / ja / ko
    "通过", "通過", "合格", "及格", "합격", "통과",
    # de, fr, es, pt, it, nl
    "bestanden", "réussi", "réussie", "validé", "aprobado", "aprobada", "apto", "aprovado",
    "aprovada", "superato", "promosso", "geslaagd",
    # ru, pl, tr, ar, hi, th, vi, id
    "пройден", "пройдено", "зачтено", "zaliczony", "zaliczone", "geçti", "başarılı", "ناجح",
    "उत्तीर्ण", "ผ่าน", "đạt", "lulus",
)
_STRONG_FAIL = (
    "fail", "failed", "fails", "failing", "failure", "thumbs down", "thumbs_down", "👎",
    "not pass", "not passed", "not passing", "not a pass", "does not pass", "doesn't pass",
    "did not pass", "didn't pass", "cannot pass", "can't pass", "no pass", "non-pass",
    "not-pass",
    "不通过", "未通过", "没有通过", "没通过", "不通過", "未通過", "不合格", "不及格", "失败",
    "失敗", "불합격", "불통과", "미통과", "실패",
    "nicht bestanden", "durchgefallen", "échec", "échoué", "échouée", "non réussi",
    "pas réussi", "non validé", "reprobado", "reprobada", "suspenso", "no apto",
    "no aprobado", "reprovado", "reprovada", "não aprovado", "bocciato", "non superato",
    "gezakt", "niet geslaagd",
    "не пройден", "не пройдено", "провален", "провалено", "не зачтено", "niezaliczony",
    "nie zaliczony", "kaldı", "başarısız", "راسب", "فاشل", "अनुत्तीर्ण", "ไม่ผ่าน", "không đạt",
    "tidak lulus", "gagal",
)
# A negated FAIL is not a PASS ("does not fail the check" may still fail another): unclear.
_UNCLEAR = ("not fail", "not failed", "not a fail", "does not fail", "doesn't fail",
            "did not fail", "didn't fail", "no fail")
_WEAK_PASS = (
    "yes", "y", "ok", "okay", "good", "true", "correct", "right", "1", "+1", "acceptable",
    "accept", "accepted", "approve", "approved", "valid", "up", "✅", "✔", "✓", "☑",
    "是", "对", "はい", "예", "네", "ja", "oui", "sí", "si", "sim", "да",
)
_WEAK_FAIL = (
    "no", "n", "bad", "false", "incorrect", "wrong", "0", "-1", "unacceptable",
    "not acceptable", "reject", "rejected", "invalid", "not ok", "not okay", "not good",
    "not correct", "down", "❌", "✗", "✘", "✖",
    "否", "不是", "不对", "いいえ", "아니오", "아니요", "nein", "non", "não", "нет",
)


def binary_words() -> dict[str, tuple[str | None, bool]]:
    """Every verdict word of a pass/fail or thumbs answer: word -> (pass/fail/None, strong).

    None marks a negated FAIL, which says something but not which verdict.
    """
    table: dict[str, tuple[str | None, bool]] = {}
    for words, verdict, strong in ((_WEAK_PASS, PASS, False), (_WEAK_FAIL, FAIL, False),
                                   (_STRONG_PASS, PASS, True), (_STRONG_FAIL, FAIL, True),
                                   (_UNCLEAR, None, True)):
        for word in words:
            table[word] = (verdict, strong)
    return table


# Pairs a prompt may ask for ("answer yes or no"): positive first.
POLAR_PAIRS = (
    ("yes", "no"), ("y", "n"), ("true", "false"), ("1", "0"), ("ok", "not ok"),
    ("good", "bad"), ("correct", "incorrect"), ("right", "wrong"),
    ("acceptable", "unacceptable"), ("accept", "reject"), ("valid", "invalid"),
    ("approved", "rejected"), ("up", "down"), ("thumbs up", "thumbs down"),
    ("是", "否"), ("ja", "nein"), ("oui", "non"), ("sí", "no"), ("si", "no"), ("sim", "não"),
    ("да", "нет"), ("はい", "いいえ"), ("예", "아니오"),
)

# Keys that announce the verdict: "Verdict: FAIL", "结论：通过", "Urteil: BESTANDEN".
MARKER_KEYS = (
    "verdict", "final verdict", "overall verdict", "final answer", "answer", "decision",
    "final decision", "grade", "final grade", "overall grade", "result", "final result",
    "overall result", "overall", "conclusion", "final conclusion", "judgment", "judgement",
    "final judgment", "final judgement", "evaluation", "final evaluation", "assessment",
    "final assessment", "overall assessment", "outcome", "final outcome", "label",
    "final label", "classification", "category", "rating", "final rating", "overall rating",
    "score", "final score", "overall score", "total score", "total", "status", "determination",
    "winner", "better response", "better output", "preferred response", "preferred output",
    "preferred", "preference", "choice", "final choice",
    "结论", "最终结论", "是否通过", "是否合格", "结果", "最终结果", "判定", "最终判定", "判断",
    "评判", "裁决", "评价",
    "评估结果", "最终答案", "评分", "得分", "分数", "結論", "結果", "評価", "最終判定", "判決",
    "판정", "결론", "결과", "평가", "최종 판정",
    "urteil", "gesamturteil", "ergebnis", "endergebnis", "bewertung", "fazit", "entscheidung",
    "résultat", "décision", "évaluation", "verdict final", "veredicto", "veredicto final",
    "resultado", "conclusión", "decisión", "evaluación", "calificación", "puntuación",
    "veredito", "conclusão", "decisão", "avaliação", "pontuação", "verdetto", "risultato",
    "conclusione", "giudizio", "valutazione", "esito", "punteggio", "oordeel", "eindoordeel",
    "resultaat", "conclusie", "beoordeling", "вердикт", "результат", "итог", "заключение",
    "оценка", "решение", "werdykt", "wynik", "ocena", "karar", "sonuç", "الحكم", "النتيجة",
    "القرار",
)
# Keys that describe the judged response as often as they announce a verdict: they take a
# colon, never "is" ("the answer is good in tone" is not a verdict).
NO_IS_KEYS = ("answer", "result", "overall", "evaluation", "assessment", "status", "category",
              "label", "outcome", "choice", "preference", "preferred", "total", "final outcome",
              "final assessment", "overall assessment", "overall result", "final evaluation",
              "determination", "classification", "final choice")
# Words that may stand before a marker key without making it a sub-score ("Accuracy score").
KEY_PREFIXES = ("so", "thus", "therefore", "hence", "then", "and", "my", "the", "our", "final",
                "overall", "total", "aggregate", "its", "his", "her", "their")

# Keys whose *value* says pass or fail: `"pass": false`, `passed: no`, `is_fail: true`.
PASS_KEYS = ("pass", "passed", "passes", "passing", "is_pass", "is_passed", "is_passing",
             "success", "successful", "is_success", "is_correct", "correct", "meets_criteria",
             "meets_requirements", "meets_the_criteria", "acceptable", "is_acceptable",
             "approved", "是否通过", "是否合格")
FAIL_KEYS = ("fail", "failed", "fails", "is_fail", "is_failed", "failing")
TRUE_WORDS = ("true", "yes", "y", "1", "是")
FALSE_WORDS = ("false", "no", "n", "0", "否")

# Hedges: a verdict word followed by one of these is hypothetical ("PASS would need …").
TENTATIVE_AFTER = ("would", "could", "might", "may", "should", "if", "only if", "unless",
                   "when", "whenever", "provided", "assuming", "requires", "require", "needs",
                   "need", "needed", "otherwise", "wenn", "si", "如果", "若")
# … and one of these shortly before it in the same sentence ("a lenient grader might write"),
# or "would" other than in "I would rate/give/call …" (see answer_types).
TENTATIVE_BEFORE = ("if", "unless", "whether", "might", "could", "may", "maybe", "perhaps",
                    "lenient", "hypothetically", "otherwise", "would need", "needs", "need",
                    "needed", "required", "requires", "wenn", "falls", "如果", "若")
NEGATORS = ("not", "never", "cannot", "can't", "doesn't", "don't", "didn't", "won't", "isn't",
            "wasn't", "no", "nor", "hardly")
# A verdict word naming a category rather than giving one ("the PASS criteria").
DEFINITIONAL = ("condition", "conditions", "criteria", "criterion", "requirement",
                "requirements", "threshold", "rate", "mark", "bar", "case", "cases",
                "standard", "standards", "rule", "rules", "definition", "label", "labels",
                "category", "verdict", "verdicts", "option", "options", "state", "grade",
                "example", "examples", "or")
# Joins of an option list: "PASS/FAIL", "pass or fail", "PASS | FAIL", "通过/不通过".
OPTION_JOIN = r"(?:\s*(?:/|\||\bor\b|\boder\b|\bou\b|\bo\b|\bvs\.?|或者|或|、)\s*)"
