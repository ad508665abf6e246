"""Importing contacts from CSV on the real database: good rows in, bad rows reported by
line with the reason, duplicates by phone number merged into one contact; and the panel's
import page."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, ContactFactory, UserFactory
from tests.http_helpers import assert_sign_in_redirect
from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.models import Contact, ContactEmail, ContactPhone
from voiceapp.services.contact_import import ImportFormatError, import_contacts_csv


def run_import(dbs, text: str, **kwargs):
    kwargs.setdefault("actor", None)
    kwargs.setdefault("default_region", "DE")
    report = import_contacts_csv(dbs, io.StringIO(text, newline=""), now=utcnow(), **kwargs)
    dbs.commit()
    return report


def all_contacts(dbs) -> list[Contact]:
    dbs.expire_all()
    return list(dbs.scalars(select(Contact).order_by(Contact.id)))


def contact_with_number(dbs, e164: str) -> Contact:
    dbs.expire_all()
    return dbs.scalars(select(Contact).join(ContactPhone).where(ContactPhone.number == e164)).one()


def phones_of(contact: Contact) -> list[tuple[str, str]]:
    return [(p.number, p.kind) for p in contact.phones]


def emails_of(contact: Contact) -> list[str]:
    return [e.email for e in contact.emails]


# --- good rows ----------------------------------------------------------------------------


def test_good_rows_are_created_with_e164_numbers_and_all_their_fields(dbs):
    report = run_import(
        dbs,
        "first_name,last_name,company,mobile,work,email,street,zip,city,country,language,"
        "currency,tags,notes\n"
        "Anna,Müller,,0151 12345678,030 12345678,Anna.Mueller@Example.com,Hauptstraße 12,"
        '10115,Berlin,de,DE,eur,"vip, newsletter",call after 5\n'
        ",,Solar Ibérica S.L.,,+34 910 602 345,,,,Madrid,ES,es,,b2b,\n",
    )

    assert (report.rows, report.created, report.merged, report.errors) == (2, 2, 0, [])
    anna, solar = all_contacts(dbs)
    assert anna.kind == "person"
    assert (anna.first_name, anna.last_name) == ("Anna", "Müller")
    assert phones_of(anna) == [("+4915112345678", "mobile"), ("+493012345678", "work")]
    assert emails_of(anna) == ["anna.mueller@example.com"]
    assert (anna.street, anna.postcode, anna.city) == ("Hauptstraße 12", "10115", "Berlin")
    assert (anna.country, anna.language, anna.currency) == ("DE", "de", "EUR")
    assert anna.tags == ["vip", "newsletter"]
    assert anna.notes == "call after 5"
    assert anna.timezone == "Europe/Berlin"
    assert anna.owner_id is None

    assert solar.kind == "company"
    assert solar.company_name == "Solar Ibérica S.L."
    assert phones_of(solar) == [("+34910602345", "work")]
    assert solar.tags == ["b2b"]


def test_a_plain_phone_column_with_national_and_international_numbers(dbs):
    report = run_import(
        dbs,
        "Name,Telefon\n"  # "Name" is not a known column: the number alone is enough
        '"Anna","0151 1234 5678; 0049 30 12345678"\n'
        "Ben,+33 1 86 95 01 23\n"
        "Carla,tel:+34-612-345-678\n",
    )

    assert report.created == 3, report.errors
    assert report.ignored_columns == ["Name"]
    assert [phones_of(c) for c in all_contacts(dbs)] == [
        [("+4915112345678", "mobile"), ("+493012345678", "work")],
        [("+33186950123", "work")],
        [("+34612345678", "mobile")],
    ]


def test_the_default_region_reads_national_numbers(dbs):
    report = run_import(dbs, "first_name,phone\nCamille,01 86 95 01 23\n", default_region="FR")
    assert report.created == 1, report.errors
    assert phones_of(all_contacts(dbs)[0]) == [("+33186950123", "work")]


def test_a_semicolon_separated_file_with_german_headers_and_bom(dbs):
    report = run_import(
        dbs,
        "\ufeffVorname;Nachname;Firma;Handy;E-Mail;Straße;PLZ;Ort;Land\r\n"
        "Anna;Müller;Müller, Schmidt & Co;0151 12345678;anna@example.com;"
        "Lindenweg 7, Hinterhaus;80331;München;DE\r\n",
    )

    assert (report.created, report.errors, report.ignored_columns) == (1, [], [])
    (anna,) = all_contacts(dbs)
    assert (anna.first_name, anna.last_name) == ("Anna", "Müller")
    assert anna.company_name == "Müller, Schmidt & Co"
    assert anna.street == "Lindenweg 7, Hinterhaus"
    assert (anna.postcode, anna.city, anna.country) == ("80331", "München", "DE")
    assert phones_of(anna) == [("+4915112345678", "mobile")]


def test_a_tab_separated_file(dbs):
    report = run_import(dbs, "first_name\tlast_name\tmobile\nAnna\tMüller, Jr.\t0151 12345678\n")
    assert report.created == 1, report.errors
    assert all_contacts(dbs)[0].last_name == "Müller, Jr."


def test_blank_lines_are_skipped_and_not_counted(dbs):
    report = run_import(dbs, "first_name,phone\n\nAnna,0151 12345678\n,\n\nBen,\n")
    assert (report.rows, report.created, report.errors) == (2, 2, [])


def test_unknown_columns_are_reported_and_the_rest_imported(dbs):
    report = run_import(dbs, "first_name,Lieblingsfarbe,phone\nAnna,blau,0151 12345678\n")
    assert report.ignored_columns == ["Lieblingsfarbe"]
    assert report.created == 1


# --- bad rows -----------------------------------------------------------------------------

BAD_ROWS = (
    "first_name,last_name,phone,email,country,notes\n"  # line 1
    "Anna,Good,0151 11111111,,DE,\n"  # line 2
    "Bad,Phone,12,,DE,\n"  # line 3
    'Carl,Good,0151 22222222,,DE,"a note over\n'  # line 4
    'two lines"\n'  # line 5
    "Bad,Mail,0151 33333333,not-an-email,DE,\n"  # line 6
    "Bad,Country,0151 44444444,,Germany,\n"  # line 7
    ",,,,DE,only a note\n"  # line 8
    "Dora,Good,0151 55555555,,AT,\n"  # line 9
    'Bad,Multiline,0151 66666666,also-bad,DE,"starts here\n'  # line 10
    'ends here"\n'  # line 11
    "Emil,Good,0151 77777777,,DE,\n"  # line 12
)


def test_bad_rows_are_reported_by_line_with_the_reason_and_good_rows_imported(dbs):
    report = run_import(dbs, BAD_ROWS)

    assert report.rows == 9
    assert report.created == 4
    assert [c.first_name for c in all_contacts(dbs)] == ["Anna", "Carl", "Dora", "Emil"]
    assert all_contacts(dbs)[1].notes == "a note over\ntwo lines"

    lines = [line for line, _reason in report.errors]
    assert lines == [3, 6, 7, 8, 10]
    reasons = dict(report.errors)
    assert "phone" in reasons[3] and "not a valid phone number" in reasons[3]
    assert "'12'" in reasons[3]
    assert "email" in reasons[6].lower() and "valid" in reasons[6].lower()
    assert "country" in reasons[7] and "'Germany'" in reasons[7]
    assert "at least a name, a company name or a phone number" in reasons[8]
    assert "email" in reasons[10].lower()


def test_the_reason_does_not_show_internal_list_positions(dbs):
    report = run_import(dbs, "first_name,mobile,work\nAnna,0151 12345678,12\n")
    ((line, reason),) = report.errors
    assert line == 2
    assert reason == "phones: number: not a valid phone number: '12'"


def test_a_row_is_refused_as_a_whole(dbs):
    # One bad e-mail: not even the good number of the row is kept.
    report = run_import(dbs, "first_name,phone,email\nAnna,0151 12345678,anna@example.com;nope\n")
    assert report.created == 0 and len(report.errors) == 1
    assert all_contacts(dbs) == []


def test_a_company_kind_without_company_name_is_refused(dbs):
    report = run_import(dbs, "kind,first_name,phone\ncompany,Anna,0151 12345678\n")
    assert report.errors == [(2, "company_name: a company needs a company name")]


# --- merging by phone number --------------------------------------------------------------


def test_a_row_with_a_known_number_fills_the_existing_contact_and_never_overwrites(dbs):
    existing = ContactFactory(
        first_name="Anna",
        last_name="Müller",
        city=None,
        country="DE",
        language="de",
        tags=["vip"],
        emails=[ContactEmail(email="anna@old.example", position=0)],
        phones=[ContactPhone(number="+4915112345678", kind="mobile", position=0)],
    )
    dbs.commit()

    report = run_import(
        dbs,
        "first_name,last_name,phone,email,city,country,language,tags\n"
        '"Annette","Meier","0151 1234 5678","Anna@Old.example; anna@new.example",'
        'Berlin,AT,en,"b2b;vip"\n',
    )

    assert (report.rows, report.created, report.merged, report.errors) == (1, 0, 1, [])
    (anna,) = all_contacts(dbs)
    assert anna.id == existing.id
    # set fields stay as they were
    assert (anna.first_name, anna.last_name) == ("Anna", "Müller")
    assert (anna.country, anna.language) == ("DE", "de")
    # empty fields are filled, new e-mails and tags added once
    assert anna.city == "Berlin"
    assert emails_of(anna) == ["anna@old.example", "anna@new.example"]
    assert anna.tags == ["vip", "b2b"]
    assert phones_of(anna) == [("+4915112345678", "mobile")]
    assert [e.kind for e in anna.events if e.kind == "updated"] == ["updated"]


def test_a_merge_adds_the_rows_other_numbers_to_the_contact(dbs):
    ContactFactory(phones=[ContactPhone(number="+4915112345678", kind="mobile", position=0)])
    dbs.commit()

    report = run_import(dbs, "work,mobile\n030 12345678,+49 151 12345678\n")

    assert report.merged == 1 and report.created == 0
    (contact,) = all_contacts(dbs)
    assert phones_of(contact) == [("+4915112345678", "mobile"), ("+493012345678", "work")]


def test_a_merge_keeps_a_number_marked_as_wrong(dbs):
    ContactFactory(
        phones=[
            ContactPhone(number="+4915112345678", kind="mobile", position=0),
            ContactPhone(number="+4915112345670", kind="mobile", position=1, invalid=True),
        ]
    )
    dbs.commit()

    report = run_import(dbs, "mobile,work\n0151 12345678,030 12345678\n")

    assert report.merged == 1
    (contact,) = all_contacts(dbs)
    assert [(p.number, p.invalid) for p in contact.phones] == [
        ("+4915112345678", False),
        ("+4915112345670", True),
        ("+493012345678", False),
    ]


def test_the_same_number_twice_in_one_file_gives_one_contact(dbs):
    report = run_import(
        dbs,
        "first_name,last_name,phone,email\n"
        "Anna,,0151 12345678,\n"
        "A.,Muster,+49 151 1234 5678,anna@example.com\n"
        "Anna,Other,004915112345678,\n",
    )

    assert (report.rows, report.created, report.merged, report.errors) == (3, 1, 2, [])
    (anna,) = all_contacts(dbs)
    assert (anna.first_name, anna.last_name) == ("Anna", "Muster")
    assert emails_of(anna) == ["anna@example.com"]
    assert phones_of(anna) == [("+4915112345678", "mobile")]


def test_importing_the_same_file_twice_doubles_nothing(dbs):
    text = "first_name,mobile,tags\nAnna,0151 12345678,vip\nBen,0151 12345679,b2b\n"
    first = run_import(dbs, text)
    second = run_import(dbs, text)
    assert (first.created, first.merged) == (2, 0)
    assert (second.created, second.merged) == (0, 2)
    assert [(c.first_name, c.tags) for c in all_contacts(dbs)] == [
        ("Anna", ["vip"]),
        ("Ben", ["b2b"]),
    ]
    assert dbs.scalar(select(func.count()).select_from(ContactPhone)) == 2


# --- owners -------------------------------------------------------------------------------


def test_an_owner_column_assigns_the_user_and_an_unknown_owner_refuses_the_row(dbs):
    mia = UserFactory(email="mia@example.com", role="sales_manager")
    UserFactory(email="gone@example.com", active=False)
    dbs.commit()

    report = run_import(
        dbs,
        "first_name,phone,owner\n"
        "Anna,0151 12345678,MIA@example.com\n"
        "Ben,0151 12345679,ghost@example.com\n"
        "Carl,0151 12345670,gone@example.com\n"
        "Dora,0151 12345671,\n",
        default_owner_id=mia.id,
    )

    assert report.errors == [
        (3, "owner: no active user ghost@example.com"),
        (4, "owner: no active user gone@example.com"),
    ]
    assert [(c.first_name, c.owner_id) for c in all_contacts(dbs)] == [
        ("Anna", mia.id),
        ("Dora", mia.id),
    ]


def test_without_owner_the_importing_user_owns_the_new_contacts(dbs):
    mia = UserFactory(role="sales_manager")
    dbs.commit()
    run_import(dbs, "first_name,phone\nAnna,0151 12345678\n", actor=mia)
    assert all_contacts(dbs)[0].owner_id == mia.id


# --- whole files --------------------------------------------------------------------------


def test_an_empty_file_is_refused(dbs):
    with pytest.raises(ImportFormatError, match="empty"):
        run_import(dbs, "")


def test_a_header_only_file_imports_nothing_and_reports_nothing(dbs):
    report = run_import(dbs, "first_name,last_name,phone\r\n")
    assert (report.rows, report.created, report.merged, report.errors) == (0, 0, 0, [])
    assert all_contacts(dbs) == []


def test_a_file_without_a_known_column_is_refused(dbs):
    with pytest.raises(ImportFormatError, match="no known column"):
        run_import(dbs, "foo,bar\n1,2\n")
    assert all_contacts(dbs) == []


def test_old_mac_line_endings(dbs):
    report = run_import(dbs, "first_name,phone\rAnna,0151 12345678\rBen,0151 12345679\r")
    assert (report.created, report.errors) == (2, [])


def test_text_that_is_not_csv_is_refused_with_its_line(dbs):
    # A quote that never closes swallows the rest of the file into one endless field.
    text = 'first_name,phone\nAnna,0151 12345678\nBen,"0151 12345679\n' + "x" * 200_000
    with pytest.raises(ImportFormatError, match="line 3 is not valid CSV"):
        import_contacts_csv(dbs, io.StringIO(text), actor=None, now=utcnow(), default_region="DE")


def test_progress_is_reported_for_every_row_read(dbs):
    seen: list[int] = []
    run_import(
        dbs,
        "first_name,phone\nAnna,0151 12345678\nBad,12\nBen,0151 12345679\nBad,13\n",
        on_progress=seen.append,
    )
    assert seen == [1, 2, 3, 4]


# --- the panel's import page --------------------------------------------------------------

PANEL_CSV = (
    "first_name,last_name,mobile,email\n"
    "Anna,Müller,0151 12345678,anna@example.com\n"
    "Bad,Phone,12,\n"
    "Anna,,+49 151 12345678,anna@work.example\n"
    "Ben,Bauer,0151 12345679,\n"
).encode()


def make_user(app, **kwargs) -> str:
    with app.app_context():
        user = UserFactory(**kwargs)
        return user.email


def count_contacts(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Contact))


def upload(client, content: bytes, filename: str = "contacts.csv"):
    token = form_token(client, "/contacts/import")
    return client.post(
        "/contacts/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("role", ["sales_manager", "admin"])
def test_a_manager_imports_a_file_on_the_panel_and_sees_the_counts(app, client, role):
    email = make_user(app, role=role)
    sign_in(client, email, PASSWORD)

    response = upload(client, PANEL_CSV)

    assert response.status_code == 200
    text = response.text
    assert "<strong>2</strong> created" in text
    assert "<strong>1</strong> merged" in text
    assert "<strong>1</strong> row refused, of 4 rows" in text
    assert "<td>3</td><td>phones: number: not a valid phone number: &#39;12&#39;</td>" in text
    assert count_contacts(app) == 2
    with app.app_context():
        anna = db.session().scalars(select(Contact).where(Contact.first_name == "Anna")).one()
        assert emails_of(anna) == ["anna@example.com", "anna@work.example"]


def test_the_panel_reads_a_windows_1252_file(app, client):
    sign_in(client, make_user(app, role="sales_manager"), PASSWORD)
    response = upload(
        client, "Vorname;Nachname;Handy\r\nJürgen;Weiß;0151 12345678\r\n".encode("cp1252")
    )
    assert response.status_code == 200
    with app.app_context():
        (contact,) = db.session().scalars(select(Contact)).all()
        assert (contact.first_name, contact.last_name) == ("Jürgen", "Weiß")


def test_an_agent_may_not_import(app, client):
    sign_in(client, make_user(app, role="agent"), PASSWORD)
    assert client.get("/contacts/import").status_code == 403
    response = client.post(
        "/contacts/import",
        data={"file": (io.BytesIO(PANEL_CSV), "contacts.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (400, 403)  # no CSRF token to take from a forbidden page
    assert count_contacts(app) == 0


def test_an_agent_with_a_valid_form_token_is_still_refused(app, client):
    sign_in(client, make_user(app, role="agent"), PASSWORD)
    token = form_token(client, "/contacts")  # any panel page carries the session's token
    response = client.post(
        "/contacts/import",
        data={"csrf_token": token, "file": (io.BytesIO(PANEL_CSV), "contacts.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert count_contacts(app) == 0


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    response = client.get("/contacts/import")
    assert_sign_in_redirect(response, "/contacts/import")


def _fake_xlsx() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>' * 50)
        archive.writestr("xl/worksheets/sheet1.xml", "<sheetData>" + "<row/>" * 2000 + "</x>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (_fake_xlsx(), "contacts.xlsx"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "photo.png"),
        (b'"%PDF-1.7\n' + b"x" * 200_000, "contacts.pdf"),
    ],
    ids=["xlsx", "png", "pdf-with-open-quote"],
)
def test_a_non_csv_upload_answers_422_with_a_readable_message(app, client, content, filename):
    sign_in(client, make_user(app, role="sales_manager"), PASSWORD)

    response = upload(client, content, filename)

    assert response.status_code == 422
    assert "The file could not be read" in response.text
    assert "Traceback" not in response.text
    assert count_contacts(app) == 0


def test_an_upload_without_a_file_is_refused(app, client):
    sign_in(client, make_user(app, role="sales_manager"), PASSWORD)
    token = form_token(client, "/contacts/import")
    response = client.post("/contacts/import", data={"csrf_token": token})
    assert response.status_code == 422
    assert "Choose a CSV file" in response.text
