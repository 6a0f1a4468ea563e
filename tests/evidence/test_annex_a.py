"""The Annex A catalogue is data: all 93 ISO/IEC 27001:2022 controls, right ids, themes and
titles, consistent with the rule catalogue's control list."""

from __future__ import annotations

import yaml

from audit.catalogue import POLICY_ROOT, load_library
from audit.evidence.model import load_annex

EXPECTED = {"5": 37, "6": 8, "7": 14, "8": 34}
THEMES = {"5": "organizational", "6": "people", "7": "physical", "8": "technological"}


def test_all_93_controls_with_their_ids_and_themes() -> None:
    controls, themes = load_annex()
    ids = [c.id for c in controls]
    expected = [
        f"A.{clause}.{n}" for clause, count in EXPECTED.items() for n in range(1, count + 1)
    ]
    assert ids == expected and len(ids) == 93
    assert len(set(ids)) == 93
    for control in controls:
        assert control.theme == THEMES[control.id.split(".")[1]], control
        assert control.title.strip() and control.title[0].isupper(), control
        assert control.applicable or control.reason, control
    assert set(themes) == set(THEMES.values())
    titles = {c.id: c.title for c in controls}
    assert titles["A.5.23"] == "Information security for use of cloud services"
    assert titles["A.8.10"] == "Information deletion"
    assert titles["A.8.34"] == "Protection of information systems during audit testing"
    assert titles["A.7.14"] == "Secure disposal or re-use of equipment"
    assert titles["A.6.8"] == "Information security event reporting"


def test_rule_catalogue_controls_exist_in_annex_a_with_the_same_titles() -> None:
    controls, _ = load_annex()
    titles = {c.id: c.title for c in controls}
    library = load_library()
    for control in library.controls.values():
        assert titles.get(control.id) == control.title, control.id
    for rule in library.rules:
        for control_id in rule.iso27001:
            assert control_id in titles, f"{rule.id} maps to unknown control {control_id}"


def test_dpia_measures_name_known_topics_features_and_provisions() -> None:
    from audit.catalogue import TOPICS
    from audit.evidence.model import load_measures

    measures, special = load_measures()
    library = load_library()
    features = {p.name for p in (POLICY_ROOT.parent / "features").glob("*.feature")}
    assert len({m.id for m in measures}) == len(measures)
    for measure in measures:
        assert set(measure.topics) <= set(TOPICS), measure
        assert set(measure.features) <= features, measure
        assert set(measure.gdpr) <= set(library.gdpr), measure
    covered = {t for m in measures for t in m.topics}
    assert covered == set(TOPICS), f"topics without a DPIA measure: {set(TOPICS) - covered}"
    assert special and all(words for _, words in special)
    raw = yaml.safe_load((POLICY_ROOT / "frameworks" / "dpia_measures.yaml").read_text())
    assert len(raw["measures"]) == len(measures)
