"""The pay page's fixed texts in English and German (the buyer's language when it is
German, English otherwise), and how it writes money, dates and countries (Babel, in the
page's language).

The order's own texts (product names, the VAT note) are shown as they were sold.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency

LANGUAGES = ("en", "de")
LOCALES = {"en": "en_GB", "de": "de_DE"}

TEXTS: dict[str, tuple[str, str]] = {
    # The page and the order
    "title_pay": ("Pay order {number}", "Bestellung {number} bezahlen"),
    "hello": ("Hello {name},", "Hallo {name},"),
    "hello_anonymous": ("Hello,", "Hallo,"),
    "intro": (
        "here is your order from {seller}. Please check it and choose how you would like to pay.",
        "hier ist Ihre Bestellung bei {seller}. Bitte prüfen Sie sie und wählen Sie, wie Sie "
        "bezahlen möchten.",
    ),
    "intro_no_seller": (
        "here is your order. Please check it and choose how you would like to pay.",
        "hier ist Ihre Bestellung. Bitte prüfen Sie sie und wählen Sie, wie Sie bezahlen möchten.",
    ),
    "the_seller": ("the seller", "den Verkäufer"),
    "order_number": ("Order number", "Bestellnummer"),
    "seller": ("Seller", "Verkäufer"),
    "payment_code": ("Payment code", "Zahlungscode"),
    "product": ("Product", "Produkt"),
    "quantity": ("Quantity", "Menge"),
    "vat_rate": ("VAT rate", "USt.-Satz"),
    "net": ("Net", "Netto"),
    "gross": ("Gross", "Brutto"),
    "total_net": ("Net total", "Summe netto"),
    "total_vat": ("VAT", "Umsatzsteuer"),
    "total_gross": ("Total", "Gesamtbetrag"),
    "plan": ("Payment plan", "Zahlungsplan"),
    "plan_single": ("One payment of {amount}.", "Eine Zahlung von {amount}."),
    "plan_instalments": ("{count} instalments:", "{count} Raten:"),
    "plan_subscription": (
        "Subscription: {amount} {interval}. The payments:",
        "Abonnement: {amount} {interval}. Die Zahlungen:",
    ),
    "plan_more": ("and so on.", "und so weiter."),
    "today": ("today", "heute"),
    "due_now": ("Due now", "Jetzt fällig"),
    "received_already": ("Already received", "Bereits eingegangen"),
    "to_pay": ("Left to pay now", "Jetzt noch zu zahlen"),
    # Choosing a method
    "choose": ("How would you like to pay?", "Wie möchten Sie bezahlen?"),
    "no_methods": (
        "Paying online is not set up yet. Please contact {seller}.",
        "Die Zahlung online ist noch nicht eingerichtet. Bitte wenden Sie sich an {seller}.",
    ),
    "demo": ("Demo provider (tests only)", "Demo-Anbieter (nur für Tests)"),
    "demo_hint": (
        "A simulated checkout: no money moves.",
        "Eine simulierte Kasse: Es fließt kein Geld.",
    ),
    "demo_button": ("Pay with the demo provider", "Mit dem Demo-Anbieter bezahlen"),
    "card": ("Card", "Karte"),
    "card_button": ("Pay by card", "Mit Karte bezahlen"),
    "card_hint": (
        "You pay on the secure page of our payment provider, Stripe.",
        "Sie bezahlen auf der sicheren Seite unseres Zahlungsanbieters Stripe.",
    ),
    "bank": ("Bank transfer", "Überweisung"),
    "bank_text": (
        "Please transfer {amount} to this account, with the payment code as the reference:",
        "Bitte überweisen Sie {amount} auf dieses Konto, mit dem Zahlungscode als "
        "Verwendungszweck:",
    ),
    "account_holder": ("Account holder", "Kontoinhaber"),
    "iban": ("IBAN", "IBAN"),
    "bic": ("BIC", "BIC"),
    "reference": ("Reference", "Verwendungszweck"),
    "amount": ("Amount", "Betrag"),
    "bank_button": ("I will transfer", "Ich überweise"),
    "sepa": ("SEPA direct debit", "SEPA-Lastschrift"),
    "sepa_intro": (
        "We debit {amount} from your account.",
        "Wir buchen {amount} von Ihrem Konto ab.",
    ),
    "sepa_holder": ("Account holder", "Kontoinhaber/in"),
    "sepa_iban": ("Your IBAN", "Ihre IBAN"),
    "mandate_heading": ("SEPA direct debit mandate", "SEPA-Lastschriftmandat"),
    "creditor": ("Creditor", "Zahlungsempfänger"),
    "creditor_id": ("Creditor identifier", "Gläubiger-Identifikationsnummer"),
    "mandate_reference": ("Mandate reference", "Mandatsreferenz"),
    "sequence": ("Type of payment", "Zahlungsart"),
    "OOFF": ("one-off payment", "einmalige Zahlung"),
    "RCUR": ("recurrent payments", "wiederkehrende Zahlungen"),
    "mandate_text": (
        "By giving this mandate, you authorise {creditor} to send instructions to your bank "
        "to debit your account and your bank to debit your account in accordance with the "
        "instructions from {creditor}. As part of your rights, you are entitled to a refund "
        "from your bank under the terms and conditions of your agreement with your bank. A "
        "refund must be claimed within 8 weeks starting from the date on which your account "
        "was debited.",
        "Ich ermächtige {creditor}, Zahlungen von meinem Konto mittels Lastschrift "
        "einzuziehen. Zugleich weise ich mein Kreditinstitut an, die von {creditor} auf mein "
        "Konto gezogenen Lastschriften einzulösen. Hinweis: Ich kann innerhalb von acht "
        "Wochen, beginnend mit dem Belastungsdatum, die Erstattung des belasteten Betrages "
        "verlangen. Es gelten dabei die mit meinem Kreditinstitut vereinbarten Bedingungen.",
    ),
    "mandate_accept": (
        "I give the SEPA direct debit mandate above.",
        "Ich erteile das obige SEPA-Lastschriftmandat.",
    ),
    "sepa_button": ("Give the mandate", "Mandat erteilen"),
    "agent_note": (
        "You are signed in to the panel: what you enter here is recorded as entered by you "
        "for the customer.",
        "Sie sind im Panel angemeldet: Was Sie hier eingeben, wird als von Ihnen für den "
        "Kunden eingegeben vermerkt.",
    ),
    # Field problems of the mandate form (domain.bank_details codes)
    "holder.missing": (
        "Please enter the account holder's name.",
        "Bitte geben Sie den Namen des Kontoinhabers ein.",
    ),
    "holder.too_long": ("At most 70 characters, please.", "Bitte höchstens 70 Zeichen."),
    "iban.missing": ("Please enter your IBAN.", "Bitte geben Sie Ihre IBAN ein."),
    "iban.format": (
        "This is not an IBAN: an IBAN starts with a country code and two digits, such as DE89.",
        "Das ist keine IBAN: Eine IBAN beginnt mit einem Ländercode und zwei Ziffern, etwa DE89.",
    ),
    "iban.length": (
        "An IBAN has 15 to 34 letters and digits.",
        "Eine IBAN hat 15 bis 34 Buchstaben und Ziffern.",
    ),
    "iban.checksum": (
        "This IBAN is not correct: a character is probably mistyped or missing.",
        "Diese IBAN stimmt nicht: Vermutlich ist ein Zeichen vertippt oder fehlt.",
    ),
    "iban.country": (
        "This IBAN's country code is not right: it starts with a country code such as DE.",
        "Der Ländercode dieser IBAN stimmt nicht: Sie beginnt mit einem Ländercode wie DE.",
    ),
    "iban.country_format": (
        "This IBAN has the wrong number of characters for its country, or a letter where a "
        "digit belongs.",
        "Diese IBAN hat für ihr Land die falsche Anzahl Zeichen oder einen Buchstaben, wo "
        "eine Ziffer hingehört.",
    ),
    "iban.invalid": (
        "This IBAN is not valid for its country.",
        "Diese IBAN ist für ihr Land nicht gültig.",
    ),
    "accept.required": (
        "Please tick the box to give the mandate.",
        "Bitte setzen Sie das Häkchen, um das Mandat zu erteilen.",
    ),
    "form_error": (
        "Nothing was saved: please correct the marked fields.",
        "Es wurde nichts gespeichert: Bitte korrigieren Sie die markierten Felder.",
    ),
    # The right of withdrawal (Directive 2011/83/EU, model instructions, shortened)
    "withdrawal": ("Right of withdrawal", "Widerrufsrecht"),
    "withdrawal_text": (
        "You have the right to withdraw from this contract within 14 days without giving any "
        "reason. The period is 14 days from the day the contract was concluded (for goods: "
        "from the day you receive them). To withdraw, inform {seller} of your decision by a "
        "clear statement (for example a letter or an e-mail).",
        "Sie haben das Recht, binnen vierzehn Tagen ohne Angabe von Gründen diesen Vertrag zu "
        "widerrufen. Die Widerrufsfrist beträgt vierzehn Tage ab dem Tag des "
        "Vertragsabschlusses (bei Waren: ab dem Tag, an dem Sie die Waren erhalten). Um Ihr "
        "Widerrufsrecht auszuüben, informieren Sie {seller} mittels einer eindeutigen "
        "Erklärung (z. B. ein Brief oder eine E-Mail) über Ihren Entschluss.",
    ),
    # The order's state
    "state_paid": ("This order is paid. Thank you!", "Diese Bestellung ist bezahlt. Vielen Dank!"),
    "state_cancelled": (
        "This order was cancelled. There is nothing to pay.",
        "Diese Bestellung wurde storniert. Es ist nichts zu bezahlen.",
    ),
    "state_refunded": (
        "This order was refunded. There is nothing to pay.",
        "Diese Bestellung wurde erstattet. Es ist nichts zu bezahlen.",
    ),
    "state_mandate": (
        "Thank you: your direct debit mandate was received. The amount will be debited from "
        "the account you gave.",
        "Vielen Dank: Ihr Lastschriftmandat liegt uns vor. Der Betrag wird von dem "
        "angegebenen Konto abgebucht.",
    ),
    "order": ("Order", "Bestellung"),
    # The thank-you page
    "thanks_title": ("Thank you", "Vielen Dank"),
    "thanks_paid": ("Thank you, payment received.", "Vielen Dank, die Zahlung ist eingegangen."),
    "thanks_waiting": (
        "Thank you! We are waiting for your payment to be confirmed. This page updates itself.",
        "Vielen Dank! Wir warten auf die Bestätigung Ihrer Zahlung. Diese Seite aktualisiert "
        "sich selbst.",
    ),
    "thanks_transfer": (
        "Thank you! We are waiting for your bank transfer.",
        "Vielen Dank! Wir warten auf Ihre Überweisung.",
    ),
    "waiting_stopped": (
        "No confirmation yet. Reload the page to look again.",
        "Noch keine Bestätigung. Laden Sie die Seite neu, um erneut nachzusehen.",
    ),
    "back": ("Back to the order", "Zurück zur Bestellung"),
    "other_method": ("Choose another way to pay", "Anders bezahlen"),
    # The demo provider's checkout
    "demo_title": ("Demo checkout", "Demo-Kasse"),
    "demo_intro": (
        "This is a simulated payment provider for development and tests: no money moves.",
        "Dies ist ein simulierter Zahlungsanbieter für Entwicklung und Tests: Es fließt kein Geld.",
    ),
    "demo_pay": ("Pay {amount}", "{amount} bezahlen"),
    "demo_fail": ("Let it fail", "Fehlschlagen lassen"),
    "notice_demo_failed": (
        "The payment did not go through (demo provider): nothing was charged. Please choose again.",
        "Die Zahlung ist nicht durchgegangen (Demo-Anbieter): Es wurde nichts belastet. Bitte "
        "wählen Sie erneut.",
    ),
    "notice_demo_expired": (
        "This checkout has expired: nothing was charged. Please choose again.",
        "Dieser Bezahlvorgang ist abgelaufen: Es wurde nichts belastet. Bitte wählen Sie erneut.",
    ),
    # Codes and errors
    "check_title": ("Please check the code", "Bitte prüfen Sie den Code"),
    "check_text": (
        "This code is not quite right: one of its characters was probably misheard or "
        "mistyped. A payment code has 9 letters and digits, written like XXXX-XXXX-X.",
        "Dieser Code stimmt nicht ganz: Vermutlich wurde ein Zeichen falsch verstanden oder "
        "vertippt. Ein Zahlungscode hat 9 Buchstaben und Ziffern, geschrieben wie XXXX-XXXX-X.",
    ),
    "malformed_title": ("This is not a payment code", "Das ist kein Zahlungscode"),
    "malformed_text": (
        "A payment code has 9 letters and digits, written like XXXX-XXXX-X. Capitals, spaces "
        "and dashes do not matter; the letters I, L and O are read as 1 and 0.",
        "Ein Zahlungscode hat 9 Buchstaben und Ziffern, geschrieben wie XXXX-XXXX-X. Groß- "
        "und Kleinschreibung, Leerzeichen und Bindestriche spielen keine Rolle; die Buchstaben "
        "I, L und O werden als 1 und 0 gelesen.",
    ),
    "notfound_title": ("No order with this code", "Keine Bestellung mit diesem Code"),
    "notfound_text": (
        "There is no order with this code. Please compare it with the code you were given.",
        "Es gibt keine Bestellung mit diesem Code. Bitte vergleichen Sie ihn mit dem Code, "
        "den Sie erhalten haben.",
    ),
    "enter_title": ("Pay an order", "Bestellung bezahlen"),
    "enter_label": ("Your payment code", "Ihr Zahlungscode"),
    "enter_button": ("Continue", "Weiter"),
    "limited_title": ("Too many requests", "Zu viele Anfragen"),
    "limited_text": (
        "There were too many requests from your address. Please wait a minute and try again.",
        "Von Ihrer Adresse kamen zu viele Anfragen. Bitte warten Sie eine Minute und versuchen "
        "Sie es dann erneut.",
    ),
    "expired_title": ("Please try again", "Bitte noch einmal"),
    "expired_text": (
        "The form had expired or did not come from this page. Go back, reload the page and "
        "try again.",
        "Das Formular war abgelaufen oder kam nicht von dieser Seite. Gehen Sie zurück, laden "
        "Sie die Seite neu und versuchen Sie es erneut.",
    ),
    "secure_page": ("Payment page", "Zahlungsseite"),
}

# A plan's interval: (English, German) for "every N units".
_EVERY = {
    "day": (("every day", "täglich"), ("every {n} days", "alle {n} Tage")),
    "week": (("every week", "wöchentlich"), ("every {n} weeks", "alle {n} Wochen")),
    "month": (("every month", "monatlich"), ("every {n} months", "alle {n} Monate")),
    "year": (("every year", "jährlich"), ("every {n} years", "alle {n} Jahre")),
}


def page_language(wanted: str | None) -> str:
    return wanted if wanted in LANGUAGES else "en"


class Texts:
    """The page's words in one language, for the templates (`t`, `money`, `day` ...)."""

    def __init__(self, language: str):
        self.language = page_language(language)
        self._index = LANGUAGES.index(self.language)
        self.locale = LOCALES[self.language]

    def __call__(self, key: str, **values) -> str:
        text = TEXTS[key][self._index]
        return text.format(**values) if values else text

    def money(self, amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=self.locale)

    def day(self, value: date) -> str:
        return format_date(value, format="long", locale=self.locale)

    def percent(self, rate: Decimal) -> str:
        return f"{rate.normalize():f} %".replace(".", "," if self.language == "de" else ".")

    def country(self, code: str) -> str:
        return Locale.parse(self.locale).territories.get(code, code)

    def every(self, interval: int, unit: str) -> str:
        one, many = _EVERY[unit]
        text = (one if interval == 1 else many)[self._index]
        return text.format(n=interval)
