"""Reading contact CSV files: which column means what, and one row as contact input.

Pure: no database. The service in services/contact_import.py validates each row with the
same schema as the API and merges duplicates by phone number.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable

from voiceapp.domain.phones import guess_phone_kind, try_normalize_phone

# Header names people actually use (English, German, French, Spanish), lower-cased and
# with spaces, dashes and dots removed, mapped to our field names.
HEADER_ALIASES: dict[str, str] = {}
for field, aliases in {
    "kind": ["kind", "contacttype_kind", "art", "personorcompany"],
    "salutation": ["salutation", "anrede", "civilite", "saludo"],
    "title": ["title", "titel", "titre", "titulo"],
    "first_name": ["firstname", "first", "givenname", "vorname", "prenom", "nombre"],
    "last_name": [
        "lastname",
        "last",
        "surname",
        "familyname",
        "nachname",
        "nom",
        "apellido",
        "apellidos",
    ],
    "company_name": [
        "company",
        "companyname",
        "organisation",
        "organization",
        "firma",
        "societe",
        "entreprise",
        "empresa",
    ],
    "contact_type": ["type", "contacttype", "typ"],
    "phone": ["phone", "phonenumber", "telephone", "tel", "telefon", "telefono", "number"],
    "mobile": ["mobile", "mobilephone", "cell", "cellphone", "handy", "mobil", "portable", "movil"],
    "work": [
        "work",
        "workphone",
        "business",
        "businessphone",
        "office",
        "geschaftlich",
        "bureau",
        "trabajo",
    ],
    "home": ["home", "homephone", "privat", "domicile", "casa"],
    "email": ["email", "emailaddress", "mail", "emails", "courriel", "correo"],
    "language": ["language", "lang", "sprache", "langue", "idioma"],
    "country": ["country", "countrycode", "land", "pays", "pais"],
    "street": ["street", "address", "streetandnumber", "strasse", "adresse", "calle", "direccion"],
    "postcode": ["postcode", "zip", "zipcode", "postalcode", "plz", "codepostal", "codigopostal"],
    "city": ["city", "town", "ort", "stadt", "ville", "ciudad"],
    "state": ["state", "region", "province", "bundesland", "provincia"],
    "currency": ["currency", "wahrung", "devise", "moneda"],
    "tags": ["tags", "tag", "labels", "schlagworte", "etiquetas"],
    "notes": ["notes", "note", "comment", "comments", "notiz", "notizen", "bemerkung"],
    "visibility": ["visibility", "sichtbarkeit"],
    "owner": ["owner", "owneremail", "responsible", "responsibleuser", "verantwortlich"],
}.items():
    for alias in aliases:
        HEADER_ALIASES[alias] = field

PHONE_COLUMNS = {"phone": None, "mobile": "mobile", "work": "work", "home": "home"}
LIST_SEPARATORS = re.compile(r"[;,|]")


class ImportFormatError(ValueError):
    """The file as a whole cannot be read (no header, no known column)."""


def _header_key(name: str) -> str:
    # "E-Mail Address" -> "emailaddress"; accents dropped ("Móvil" -> "movil", "Geschäftlich"
    # -> "geschaftlich") and "ß" written as "ss", the way the aliases are spelled.
    decomposed = unicodedata.normalize("NFKD", name.strip().lower().replace("ß", "ss"))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s_\-./]+", "", folded).lstrip("\ufeff")


def map_header(header: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> field, and the header names that were not understood."""
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    for index, name in enumerate(header):
        field = HEADER_ALIASES.get(_header_key(name))
        if field is None or field in mapping.values():
            if name.strip():
                unknown.append(name.strip())
            continue
        mapping[index] = field
    if not mapping:
        raise ImportFormatError(
            "no known column in the header line; expected names such as first_name, "
            "last_name, company, phone, mobile, email, country"
        )
    return mapping, unknown


def sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel
    # The sniffer says "no doubled quotes" when the sample happens to hold none; a quote
    # written as "" further down would then be misread. Spreadsheets always double quotes.
    dialect.doublequote = True
    return dialect


def _phone_input(text: str, column_kind: str | None, default_region: str) -> dict:
    # Read in `default_region` here, so the caller's region counts (validation would use
    # the app's). An unparsable number goes on as written: validation reports it.
    e164 = try_normalize_phone(text, default_region)
    kind = column_kind or (guess_phone_kind(e164) if e164 else "mobile")
    return {"number": e164 or text, "kind": kind}


def row_to_input(
    values: list[str], mapping: dict[int, str], default_region: str
) -> tuple[dict, str | None]:
    """One CSV row as ContactInputSchema input, plus the owner's e-mail if a column gave one.

    Phone kinds come from the column (mobile / work / home); a plain "phone" column leaves
    the kind to be guessed from the number. Numbers that can be read are given in E.164.
    """
    data: dict = {}
    phones: list[dict] = []
    owner_email = None
    for index, field in mapping.items():
        value = values[index].strip() if index < len(values) else ""
        if not value:
            continue
        if field in PHONE_COLUMNS:
            for number in LIST_SEPARATORS.split(value):
                if number.strip():
                    phones.append(
                        _phone_input(number.strip(), PHONE_COLUMNS[field], default_region)
                    )
        elif field == "email":
            data["emails"] = [e.strip() for e in LIST_SEPARATORS.split(value) if e.strip()]
        elif field == "tags":
            data["tags"] = [t.strip() for t in LIST_SEPARATORS.split(value) if t.strip()]
        elif field == "owner":
            owner_email = value.lower()
        elif field == "kind":
            data["kind"] = value.lower()
        else:
            data[field] = value
    if phones:
        data["phones"] = phones
    if (
        "kind" not in data
        and data.get("company_name")
        and not (data.get("first_name") or data.get("last_name"))
    ):
        data["kind"] = "company"
    return data, owner_email


def is_blank(values: Iterable[str]) -> bool:
    return not any(v.strip() for v in values)
