"""Reading contact CSV files without a database: which header means which field, one row as
contact input, and which separator a file uses."""

from __future__ import annotations

import csv
import io

import pytest

from voiceapp.domain.contact_import import (
    ImportFormatError,
    map_header,
    row_to_input,
    sniff_dialect,
)


def fields_of(header: list[str]) -> dict[str, str]:
    """Header name -> field, for the columns that were understood."""
    mapping, _unknown = map_header(header)
    return {header[index]: field for index, field in mapping.items()}


# --- map_header --------------------------------------------------------------------------


def test_english_headers_as_exported_by_address_books():
    assert fields_of(
        [
            "First Name",
            "Last Name",
            "Company",
            "Phone",
            "Mobile Phone",
            "Business Phone",
            "Home Phone",
            "E-mail Address",
            "Street",
            "ZIP",
            "City",
            "Country",
            "Language",
            "Tags",
            "Owner",
            "Notes",
        ]
    ) == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Company": "company_name",
        "Phone": "phone",
        "Mobile Phone": "mobile",
        "Business Phone": "work",
        "Home Phone": "home",
        "E-mail Address": "email",
        "Street": "street",
        "ZIP": "postcode",
        "City": "city",
        "Country": "country",
        "Language": "language",
        "Tags": "tags",
        "Owner": "owner",
        "Notes": "notes",
    }


def test_german_headers_with_umlauts_and_sharp_s():
    assert fields_of(
        [
            "Anrede",
            "Vorname",
            "Nachname",
            "Firma",
            "Telefon",
            "Handy",
            "Geschäftlich",
            "E-Mail",
            "Straße",
            "PLZ",
            "Ort",
            "Land",
            "Währung",
            "Notiz",
        ]
    ) == {
        "Anrede": "salutation",
        "Vorname": "first_name",
        "Nachname": "last_name",
        "Firma": "company_name",
        "Telefon": "phone",
        "Handy": "mobile",
        "Geschäftlich": "work",
        "E-Mail": "email",
        "Straße": "street",
        "PLZ": "postcode",
        "Ort": "city",
        "Land": "country",
        "Währung": "currency",
        "Notiz": "notes",
    }


def test_french_headers_with_accents():
    assert fields_of(
        [
            "Civilité",
            "Prénom",
            "Nom",
            "Société",
            "Téléphone",
            "Portable",
            "Bureau",
            "Courriel",
            "Adresse",
            "Code postal",
            "Ville",
            "Pays",
            "Langue",
        ]
    ) == {
        "Civilité": "salutation",
        "Prénom": "first_name",
        "Nom": "last_name",
        "Société": "company_name",
        "Téléphone": "phone",
        "Portable": "mobile",
        "Bureau": "work",
        "Courriel": "email",
        "Adresse": "street",
        "Code postal": "postcode",
        "Ville": "city",
        "Pays": "country",
        "Langue": "language",
    }


def test_spanish_headers_with_accents():
    assert fields_of(
        [
            "Nombre",
            "Apellidos",
            "Empresa",
            "Teléfono",
            "Móvil",
            "Trabajo",
            "Correo",
            "Dirección",
            "Código postal",
            "Ciudad",
            "Provincia",
            "País",
            "Idioma",
            "Título",
            "Etiquetas",
        ]
    ) == {
        "Nombre": "first_name",
        "Apellidos": "last_name",
        "Empresa": "company_name",
        "Teléfono": "phone",
        "Móvil": "mobile",
        "Trabajo": "work",
        "Correo": "email",
        "Dirección": "street",
        "Código postal": "postcode",
        "Ciudad": "city",
        "Provincia": "state",
        "País": "country",
        "Idioma": "language",
        "Título": "title",
        "Etiquetas": "tags",
    }


@pytest.mark.parametrize("written", ["first_name", "First Name", "FIRST-NAME", "first.name"])
def test_case_spaces_dashes_and_dots_do_not_matter(written):
    assert fields_of([written, "phone"])[written] == "first_name"


def test_a_byte_order_mark_on_the_first_header_is_ignored():
    mapping, unknown = map_header(["\ufeffVorname", "Nachname", "Telefon"])
    assert mapping == {0: "first_name", 1: "last_name", 2: "phone"}
    assert unknown == []


def test_columns_not_understood_are_reported_by_their_written_name():
    mapping, unknown = map_header(["first_name", " Lieblingsfarbe ", "", "phone", "Shoe size"])
    assert mapping == {0: "first_name", 3: "phone"}
    assert unknown == ["Lieblingsfarbe", "Shoe size"]


def test_a_second_column_for_the_same_field_is_reported_not_silently_mixed_in():
    mapping, unknown = map_header(["Phone", "Telefon", "E-Mail"])
    assert mapping == {0: "phone", 2: "email"}
    assert unknown == ["Telefon"]


@pytest.mark.parametrize("header", [["foo", "bar"], [""], ["Lieblingsfarbe"]])
def test_a_header_without_any_known_column_is_refused_with_examples(header):
    with pytest.raises(ImportFormatError, match="no known column") as caught:
        map_header(header)
    assert "first_name" in str(caught.value)
    assert "phone" in str(caught.value)


# --- row_to_input --------------------------------------------------------------------------


def row(header: list[str], values: list[str], region: str = "DE") -> tuple[dict, str | None]:
    mapping, _ = map_header(header)
    return row_to_input(values, mapping, region)


def test_phone_columns_give_the_kind_of_the_number():
    data, owner = row(
        ["first_name", "mobile", "work", "home"],
        ["Anna", "0151 12345678", "030 12345678", "030 87654321"],
    )
    assert owner is None
    assert data["phones"] == [
        {"number": "+4915112345678", "kind": "mobile"},
        {"number": "+493012345678", "kind": "work"},
        {"number": "+493087654321", "kind": "home"},
    ]


def test_the_column_kind_wins_over_what_the_number_looks_like():
    # A mobile number in the "work" column is the person's work phone.
    data, _ = row(["first_name", "Geschäftlich"], ["Anna", "0151 12345678"])
    assert data["phones"] == [{"number": "+4915112345678", "kind": "work"}]


@pytest.mark.parametrize(
    ("written", "region", "e164", "kind"),
    [
        ("0151 12345678", "DE", "+4915112345678", "mobile"),
        ("+49 151 12345678", "FR", "+4915112345678", "mobile"),
        ("030 12345678", "DE", "+493012345678", "work"),
        ("06 12 34 56 78", "FR", "+33612345678", "mobile"),
        ("01 86 95 01 23", "FR", "+33186950123", "work"),
    ],
)
def test_a_plain_phone_column_guesses_mobile_or_work_from_the_number(written, region, e164, kind):
    data, _ = row(["first_name", "Telefon"], ["A", written], region)
    assert data["phones"] == [{"number": e164, "kind": kind}]


def test_an_unreadable_number_is_passed_on_as_written_for_validation_to_report():
    data, _ = row(["first_name", "phone", "work"], ["Anna", "call me maybe", "12"])
    assert data["phones"] == [
        {"number": "call me maybe", "kind": "mobile"},
        {"number": "12", "kind": "work"},
    ]


@pytest.mark.parametrize("cell", ["0151 12345678; 030 12345678", "0151 12345678;030 12345678;"])
def test_several_numbers_in_one_cell(cell):
    data, _ = row(["first_name", "phone"], ["Anna", cell])
    assert data["phones"] == [
        {"number": "+4915112345678", "kind": "mobile"},
        {"number": "+493012345678", "kind": "work"},
    ]


def test_numbers_from_several_columns_and_cells_are_all_kept_in_column_order():
    data, _ = row(
        ["mobile", "work"],
        ["0151 12345678; 0170 1234567", "030 12345678"],
    )
    assert [(p["number"], p["kind"]) for p in data["phones"]] == [
        ("+4915112345678", "mobile"),
        ("+491701234567", "mobile"),
        ("+493012345678", "work"),
    ]


def test_a_row_with_only_a_company_name_is_a_company():
    data, _ = row(
        ["first_name", "last_name", "company", "phone"],
        ["", "", "Bäckerei Sonnenschein GmbH", "030 12345678"],
    )
    assert data["kind"] == "company"
    assert data["company_name"] == "Bäckerei Sonnenschein GmbH"
    assert "first_name" not in data and "last_name" not in data


def test_a_person_with_a_company_stays_a_person():
    data, _ = row(["first_name", "company"], ["Anna", "Bäckerei Sonnenschein GmbH"])
    assert "kind" not in data  # the schema's default, person, applies
    assert data["first_name"] == "Anna"
    assert data["company_name"] == "Bäckerei Sonnenschein GmbH"


def test_an_explicit_kind_column_wins_and_is_lower_cased():
    data, _ = row(["kind", "last_name", "company"], ["Person", "Müller", "Müller GmbH"])
    assert data["kind"] == "person"
    data, _ = row(["kind", "first_name", "company"], ["COMPANY", "Anna", "Anna GmbH"])
    assert data["kind"] == "company"


@pytest.mark.parametrize(
    "cell", ["vip, newsletter;b2b", " vip |newsletter , b2b ", "vip;;newsletter,,b2b"]
)
def test_tags_are_split_on_comma_semicolon_or_bar(cell):
    data, _ = row(["first_name", "tags"], ["Anna", cell])
    assert data["tags"] == ["vip", "newsletter", "b2b"]


def test_several_emails_in_one_cell():
    data, _ = row(["first_name", "email"], ["Anna", "anna@example.com; a.m@example.org"])
    assert data["emails"] == ["anna@example.com", "a.m@example.org"]


def test_the_owner_column_is_returned_apart_and_lower_cased():
    data, owner = row(["first_name", "owner"], ["Anna", " Mia@Example.COM "])
    assert owner == "mia@example.com"
    assert "owner" not in data and "owner_id" not in data


def test_blank_cells_and_missing_trailing_cells_give_no_fields():
    data, owner = row(
        ["first_name", "last_name", "city", "phone", "email", "tags", "owner"],
        ["Anna", "   ", ""],
    )
    assert data == {"first_name": "Anna"}
    assert owner is None


def test_other_columns_are_passed_on_trimmed_and_unknown_columns_dropped():
    data, _ = row(
        ["first_name", "Lieblingsfarbe", "city", "country", "language", "notes"],
        [" Anna ", "blau", " Berlin", "de", "DE", "call after 5; not on Fridays"],
    )
    assert data == {
        "first_name": "Anna",
        "city": "Berlin",
        "country": "de",
        "language": "DE",
        "notes": "call after 5; not on Fridays",
    }


# --- sniff_dialect -------------------------------------------------------------------------


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), sniff_dialect(text)))


def test_a_semicolon_separated_file():
    text = "Vorname;Nachname;Firma;Telefon\r\nAnna;Müller;Müller, Schmidt & Co;0151 12345678\r\n"
    assert sniff_dialect(text).delimiter == ";"
    assert parse(text)[1] == ["Anna", "Müller", "Müller, Schmidt & Co", "0151 12345678"]


def test_a_tab_separated_file():
    text = "first_name\tlast_name\tphone\nAnna\tMüller, Jr.\t0151 12345678\nBen\tBauer\t030 1\n"
    assert sniff_dialect(text).delimiter == "\t"
    assert parse(text)[1] == ["Anna", "Müller, Jr.", "0151 12345678"]


def test_a_comma_separated_file_with_semicolons_inside_quotes():
    text = 'first_name,phone,tags\nAnna,"0151 12345678; 030 12345678","vip;b2b"\n'
    assert sniff_dialect(text).delimiter == ","
    assert parse(text)[1] == ["Anna", "0151 12345678; 030 12345678", "vip;b2b"]


def test_a_single_column_file_is_read_as_plain_csv():
    assert sniff_dialect("phone\n+4915112345678\n").delimiter == ","
    assert sniff_dialect("").delimiter == ","


def test_doubled_quotes_after_the_sample_are_read_as_one_quote():
    # The dialect is guessed from the start of a file; a quote written as "" further down
    # (as every spreadsheet writes it) must still read as one quote.
    sample = 'first_name,company,phone\nAnna,"Firma, X",0151 12345678\n'
    later = 'Ben,"Bäckerei ""Sonnenschein"" GmbH",0151 12345679\n'
    rows = list(csv.reader(io.StringIO(sample + later), sniff_dialect(sample)))
    assert rows[2] == ["Ben", 'Bäckerei "Sonnenschein" GmbH', "0151 12345679"]
