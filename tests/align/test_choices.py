"""`decompose_choices`: what decompose chose, in the words every surface shows."""

from __future__ import annotations

from evalign.align.choices import decompose_choices


def _texts(outcome: dict[str, object]) -> dict[str, str]:
    return {c.key: c.text for c in decompose_choices(outcome)}


def test_pass_fail_choices_name_what_was_kept_and_the_figures_behind_it() -> None:
    texts = _texts({
        "candidate_spec": {"checks": {"split": "rules", "content_free": True}},
        "details": {"split_choice": {"model": 0.875, "rules": 0.9583},
                    "content_free": True, "content_free_val_agreement": {"off": 0.9167,
                                                                         "on": 0.9583},
                    "aggregation": {"method": "all_pass"},
                    "method_val_agreement": {"all_pass": 0.9583, "selected": 0.9167}}})
    assert list(texts) == ["split", "content_free", "aggregation"]
    assert texts["split"] == \
        "Rubric split kept: rules (validation agreement: model 87.5%, rules 95.8%)."
    assert texts["content_free"].startswith(
        "Checks read against a content-free response: on. Each check is also asked with the "
        'response replaced by "N/A"')
    assert texts["content_free"].endswith("(validation agreement: off 91.7%, on 95.8%).")
    # the nested figure is the one shown, never the best of the methods (95.8%)
    assert texts["aggregation"] == (
        "Checks combined by all_pass. Nested validation agreement (the choice made again "
        "without each fold, scored on it): 91.7%.")


def test_numeric_choices_read_mae_and_name_an_averaged_calibration() -> None:
    members = [{"aggregation": {"method": m}, "calibration": {"method": "isotonic"}}
               for m in ("count_failed", "mean")]
    texts = _texts({
        "candidate_spec": {"checks": {"split": "model"}},
        "details": {"split_choice": {"model": 14.66, "rules": 16.5},
                    "content_free": False, "content_free_val_mae": {"off": 14.66, "on": None},
                    "aggregation": {"method": "count_failed"},
                    "calibration": {"method": "average", "members": members},
                    "val_mae": {"mean/isotonic": 15.0, "selected": 14.66}}})
    assert texts["split"] == "Rubric split kept: model (validation MAE: model 14.7, rules 16.5)."
    assert texts["content_free"].startswith(
        "Checks read against a content-free response: off. The rule reads the plain P(yes)")
    assert texts["content_free"].endswith("(validation MAE: off 14.7, on —).")
    nan = _texts({"details": {"split_choice": {"model": float("nan"), "rules": 0.5}}})
    assert nan["split"] == "Rubric split kept: — (validation agreement: model —, rules 50.0%)."
    assert texts["aggregation"].startswith(
        "Checks combined by the average of 2 calibrated readings (count_failed, mean).")
    assert texts["aggregation"].endswith("scored on it): 14.7.")


def test_a_single_calibration_is_named_with_the_aggregation() -> None:
    texts = _texts({"details": {"aggregation": {"method": "mean"},
                                "calibration": {"method": "isotonic"}, "val_mae": {}}})
    assert texts == {"aggregation": "Checks combined by mean, mapped onto the human scale by "
                                    "isotonic calibration."}


def test_pairwise_choice_names_the_mode_its_rivals_and_the_tie_margin() -> None:
    figures = {"checklist": 0.75, "whole": 0.7167, "both": 0.7667}
    texts = _texts({"details": {"pairwise_checks": "whole", "tie_margin": 0.1,
                                "pairwise_checks_agreement": figures}})
    assert texts == {"pairwise_checks": (
        "Outputs compared by the whole-instruction check alone (train + validation agreement: "
        "checklist 75.0%, whole 71.7%, both 76.7%); a tie when they differ by at most 0.10.")}
    equal = _texts({"details": {"pairwise_checks": "both", "tie_margin": 0.0}})
    assert equal["pairwise_checks"] == ("Outputs compared by the written checks and the "
                                        "whole-instruction check; a tie only when they are equal.")


def test_other_strategies_and_old_runs_have_no_choices() -> None:
    assert decompose_choices({"strategy": "threshold", "details": {}}) == []
    assert decompose_choices({}) == []
