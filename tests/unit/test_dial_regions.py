"""The softphone's country picker, rendered once per default region (web.softphone)."""

from __future__ import annotations

import re

import phonenumbers

from voiceapp.web.softphone import dial_region_options


def test_every_country_is_offered_once_with_its_code_and_the_default_selected():
    html = str(dial_region_options("AT"))
    options = re.findall(r'<option value="([A-Z0-9]+)"( selected)?>\1 \+(\d+)</option>', html)
    assert (
        "".join(
            f'<option value="{region}"{selected}>{region} +{code}</option>'
            for region, selected, code in options
        )
        == html
    )  # nothing else in it
    assert sorted(region for region, _, _ in options) == sorted(phonenumbers.SUPPORTED_REGIONS)
    assert all(
        int(code) == phonenumbers.country_code_for_region(region) for region, _, code in options
    )
    assert [region for region, selected, _ in options if selected] == ["AT"]
    selected = re.findall(r'value="(\w+)" selected', str(dial_region_options("DE")))
    assert selected == ["DE"]
