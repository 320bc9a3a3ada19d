"""The instrument files: every one loads and passes the consistency checks, and a broken file
is refused at start-up with a message naming it."""

from __future__ import annotations

import pytest
import yaml

from mindway.clinical import instruments as catalogue
from mindway.clinical.instruments import (
    Instrument,
    InstrumentDefinitionError,
    UnknownInstrument,
    get_instrument,
    instrument_ids,
)
from mindway.errors import ConfigurationError, InvalidInput

CONTRACT_IDS = {
    "phq9", "phq2", "gad7", "gad2", "pcl5", "who5", "cssrs", "isi", "auditc", "k10", "phq15",
}  # fmt: skip


def test_every_instrument_of_the_contract_is_shipped() -> None:
    assert set(instrument_ids()) == CONTRACT_IDS


@pytest.mark.parametrize("instrument_id", sorted(CONTRACT_IDS))
def test_each_file_names_its_licence_and_sources(instrument_id: str) -> None:
    instrument = get_instrument(instrument_id)
    assert instrument.licence.strip()
    assert instrument.sources and all(source.strip() for source in instrument.sources)
    assert instrument.items and all(item.text.strip() for item in instrument.items)


@pytest.mark.parametrize(
    ("instrument_id", "items", "low", "high"),
    [
        ("phq9", 10, 0, 27),  # 9 scored items + the unscored difficulty item
        ("phq2", 2, 0, 6),
        ("gad7", 7, 0, 21),
        ("gad2", 2, 0, 6),
        ("pcl5", 20, 0, 80),
        ("who5", 5, 0, 100),
        ("isi", 7, 0, 28),
        ("auditc", 3, 0, 12),
        ("k10", 10, 10, 50),
        ("phq15", 15, 0, 30),
    ],
)
def test_item_counts_and_score_ranges_match_the_manuals(
    instrument_id: str, items: int, low: int, high: int
) -> None:
    """Kroenke 2001 (PHQ-9), Kroenke 2003 (PHQ-2), Spitzer 2006 (GAD-7), Kroenke 2007 (GAD-2),
    Weathers 2013 (PCL-5), Topp 2015 (WHO-5), Bastien 2001 (ISI), Bush 1998 (AUDIT-C),
    Kessler 2002 (K10), Kroenke 2002 (PHQ-15)."""
    instrument = get_instrument(instrument_id)
    assert len(instrument.items) == items
    assert (instrument.scoring.minimum, instrument.scoring.maximum) == (low, high)


def test_lookup_ignores_case_and_refuses_unknown_ids() -> None:
    assert get_instrument(" PHQ9 ").id == "phq9"
    with pytest.raises(UnknownInstrument, match="unknown instrument 'bdi'") as caught:
        get_instrument("bdi")
    assert isinstance(caught.value, InvalidInput)


def test_an_unknown_band_scheme_is_refused() -> None:
    with pytest.raises(UnknownInstrument, match="no band scheme 'dsm'"):
        get_instrument("k10").band_scheme("dsm")
    with pytest.raises(UnknownInstrument, match="no severity bands"):
        get_instrument("auditc").band_scheme("abs")


def _phq2_data() -> dict[str, object]:
    data = get_instrument("phq2").model_dump(mode="json", exclude_none=True)
    data.pop("score_flags")
    data["bands"] = {
        "default": "x",
        "schemes": {
            "x": [{"label": "low", "low": 0, "high": 2}, {"label": "hi", "low": 3, "high": 6}]
        },
    }
    return data


def test_a_consistent_definition_passes() -> None:
    assert Instrument.model_validate(_phq2_data()).id == "phq2"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["bands"]["schemes"]["x"].pop(), "must end at the maximum"),
        (lambda d: d["bands"]["schemes"]["x"][1].update(low=4), "without gaps"),
        (lambda d: d["scoring"].update(maximum=7), "declared score range"),
        (lambda d: d["items"][0].update(options="nope"), "unknown option set"),
        (lambda d: d["items"][0].update(ask_when={"item": 2, "equals": 1}), "earlier item"),
        (lambda d: d["items"].append(dict(d["items"][0])), "unique"),
        (lambda d: d.update(colour="red"), "Extra inputs"),
        (lambda d: d.update(cluster_rules=[
            {"flag": "f", "item_at_least": 1, "clusters": [{"name": "A", "items": [3], "need": 1}]}
        ]), "out of range"),
    ],
)  # fmt: skip
def test_inconsistent_definitions_are_refused(change: object, message: str) -> None:
    data = _phq2_data()
    change(data)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        Instrument.model_validate(data)


def test_a_broken_file_stops_start_up_naming_the_file() -> None:
    with pytest.raises(InstrumentDefinitionError, match=r"^phq2\.yaml: ") as caught:
        catalogue._parse("phq2.yaml", yaml.safe_dump({"id": "phq2"}))
    assert isinstance(caught.value, ConfigurationError)
    with pytest.raises(InstrumentDefinitionError, match=r"k10\.yaml"):
        catalogue._parse("k10.yaml", "id: [unclosed")
