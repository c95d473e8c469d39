"""SVG helpers: well-formed XML, escaped text, undefined values drawn as n/a."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from evalign.report.svg import Bar, bar_chart, calibration_plot, confusion_grid


def test_bar_chart_is_valid_xml_and_escapes_labels() -> None:
    svg = bar_chart([Bar("<κ & co>", -0.2, [-0.4, 0.1]), Bar("agreement", 0.8, [0.7, 0.9]),
                     Bar("auc", None)], low=-1, high=1, title="a < b")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "&lt;κ &amp; co&gt;" in svg and "n/a" in svg
    assert len(root.findall(".//{http://www.w3.org/2000/svg}rect")) == 2


def test_confusion_grid_shows_counts() -> None:
    svg = confusion_grid(7, 2, 5, 3)
    ET.fromstring(svg)
    for count in ("7", "2", "5", "3"):
        assert f">{count}</text>" in svg


def test_calibration_plot_has_a_point_per_bin() -> None:
    svg = calibration_plot([(0.1, 0.2, 10), (0.5, 0.4, 30), (0.9, 0.95, 5)])
    root = ET.fromstring(svg)
    assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) == 3
