"""Reading choice probabilities from token log-probabilities."""

from __future__ import annotations

import math

import pytest

from evalign.providers.choices import match_choice, normalize, probs_from_top_logprobs


@pytest.mark.parametrize(("token", "expected"), [
    ("PASS", "PASS"), (" PASS", "PASS"), ("PA", "PASS"), ("FAIL", "FAIL"),
    ("pass", "PASS"), ("Verdict", None), ("", None), ("  ", None),
])
def test_match_pass_fail(token: str, expected: str | None) -> None:
    assert match_choice(token, ("PASS", "FAIL")) == expected


def test_match_yes_no_styles() -> None:
    choices = (" yes", " no")
    assert match_choice("Yes", choices) == " yes"
    assert match_choice(" no", choices) == " no"
    # Exact case wins over a case-folded match.
    assert match_choice("Yes", ("Yes", "yes")) == "Yes"


def test_a_token_that_starts_two_choices_is_no_evidence() -> None:
    assert match_choice("Ye", ("Yes", "Yeah")) is None


def test_probs_sum_variants_and_renormalize() -> None:
    top = {"PASS": math.log(0.3), " PASS": math.log(0.1), "FAIL": math.log(0.1),
           "The": math.log(0.5)}
    assert probs_from_top_logprobs(top, ("PASS", "FAIL")) == pytest.approx(
        {"PASS": 0.8, "FAIL": 0.2})


def test_no_choice_mass_means_no_estimate() -> None:
    assert probs_from_top_logprobs({"The": -0.1, "A": -2.0}, ("PASS", "FAIL")) is None
    assert normalize({"PASS": 0.0, "FAIL": 0.0}) is None
    assert normalize({"PASS": float("inf"), "FAIL": 1.0}) is None


def test_scrub_hides_keys_and_url_passwords() -> None:
    from evalign.providers.scrub import scrub

    text = "bad key sk-proj-abcdef123456 at https://bob:hunter2@x.example/v1 (Bearer tok.en123)"
    cleaned = scrub(text, ["hunter2"])
    assert "abcdef123456" not in cleaned and "hunter2" not in cleaned
    assert "tok.en123" not in cleaned and "x.example/v1" in cleaned
