"""The payment code: what an agent reads aloud over the phone and the customer types in.

Eight symbols of Crockford's base32 alphabet carry 40 random bits; a ninth, from the same
alphabet, is a check symbol, so a misheard or mistyped code is refused as "please check the
code" at once instead of looking like an order that does not exist. Shown `XXXX-XXXX-C`.
"""

from __future__ import annotations

import secrets

# Crockford's base32: digits and letters without I, L, O and U, so that nothing read aloud
# can be mistaken for a digit (I, L, O) or leads to an accidental word (U).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PAYLOAD_LENGTH = 8
CODE_LENGTH = PAYLOAD_LENGTH + 1
RANDOM_BYTES = 5  # 40 bits, 5 bits per symbol
PAUSE = "—"

# Crockford's decoding: what a customer types for a symbol the alphabet leaves out.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_IGNORED = " \t\n\r-"


class PaymentCodeError(ValueError):
    """The text is not a payment code we could have issued."""


class CodeMalformed(PaymentCodeError):
    """Wrong length, or a symbol outside the alphabet."""


class CodeCheckFailed(PaymentCodeError):
    """Well formed, but the check symbol does not match: a symbol was misheard or swapped."""


# The check symbol: Damm's algorithm over an order-32 quasigroup.
#
# Why not Luhn mod 32 (python-stdnum's `luhn` with an alphabet)? Like Luhn mod 10, which
# misses 09 <-> 90, it misses swapping the first and last symbols of its alphabet: "0Z" and
# "Z0" give the same check. Damm catches every single wrong symbol and every swap of two
# neighbours, the check symbol included. python-stdnum's `damm` reads decimal digits only,
# so the table is built here.
#
# The quasigroup is Damm's construction over the field GF(32): x * y = 2 * (x XOR y), where
# XOR is the field's addition and 2 is the element `t` of GF(2)[t] / (t^5 + t^2 + 1).
# - Each row and column is a permutation (multiplying by 2 is invertible): one wrong
#   symbol always changes the result.
# - (c*x)*y = 4c + 4x + 2y and (c*y)*x = 4c + 4y + 2x differ by 6(x + y), which is not 0
#   for x != y (6 = t^2 + t is invertible): swapped neighbours always change the result.
# - x * x = 0, so the check symbol is the interim value itself and a valid code folds to 0.
# tests/unit/test_payment_code.py checks all three over the whole table.
_FIELD_MODULUS = 0b100101  # t^5 + t^2 + 1, irreducible over GF(2)


def _times_two(value: int) -> int:
    doubled = value << 1
    return doubled ^ _FIELD_MODULUS if doubled & 0b100000 else doubled


DAMM_TABLE: tuple[tuple[int, ...], ...] = tuple(
    tuple(_times_two(row ^ column) for column in range(32)) for row in range(32)
)


def _damm_fold(symbols: str) -> int:
    interim = 0
    for symbol in symbols:
        interim = DAMM_TABLE[interim][ALPHABET.index(symbol)]
    return interim


def check_symbol(payload: str) -> str:
    """The check symbol for eight payload symbols (already canonical)."""
    return ALPHABET[_damm_fold(payload)]


def new_code(random_bytes: bytes | None = None) -> str:
    """A fresh canonical code of nine symbols: 40 random bits and the check symbol.

    `random_bytes` (five bytes) makes it deterministic for tests; by default `secrets`."""
    if random_bytes is None:
        random_bytes = secrets.token_bytes(RANDOM_BYTES)
    if len(random_bytes) != RANDOM_BYTES:
        raise ValueError(f"a payment code takes {RANDOM_BYTES} random bytes")
    bits = int.from_bytes(random_bytes, "big")
    payload = "".join(
        ALPHABET[(bits >> (5 * shift)) & 0b11111] for shift in reversed(range(PAYLOAD_LENGTH))
    )
    return payload + check_symbol(payload)


def parse_code(text: str) -> str:
    """The canonical code from what a customer or agent typed.

    Forgiving as Crockford's decoding is: lower case, spaces and hyphens are ignored, I and L
    read as 1, O as 0. Raises CodeMalformed or CodeCheckFailed."""
    cleaned = "".join(char for char in text if char not in _IGNORED)
    candidate = cleaned.upper().translate(_READ_AS)
    if len(candidate) != CODE_LENGTH or any(symbol not in ALPHABET for symbol in candidate):
        raise CodeMalformed(f"a payment code has {CODE_LENGTH} letters and digits (without U)")
    if _damm_fold(candidate) != 0:
        raise CodeCheckFailed("please check the code")
    return candidate


def format_code(code: str) -> str:
    """`XXXX-XXXX-C`, as shown and read aloud; the code is checked first."""
    canonical = parse_code(code)
    return f"{canonical[:4]}-{canonical[4:8]}-{canonical[8]}"


# German: the spelling alphabet of DIN 5009:2022 ("Buchstabiertafel für Wirtschaft und
# Verwaltung", published May 2022, city names replacing the first names), as listed by
# buchstabieralphabet.org "Neues Buchstabieralphabet 2022 nach DIN 5009"; digits as DIN 5009
# speaks them, "Zwo" for 2 so it cannot be heard as "drei".
_DIN_5009 = {
    "A": "Aachen", "B": "Berlin", "C": "Chemnitz", "D": "Düsseldorf", "E": "Essen",
    "F": "Frankfurt", "G": "Goslar", "H": "Hamburg", "I": "Ingelheim", "J": "Jena",
    "K": "Köln", "L": "Leipzig", "M": "München", "N": "Nürnberg", "O": "Offenbach",
    "P": "Potsdam", "Q": "Quickborn", "R": "Rostock", "S": "Salzwedel", "T": "Tübingen",
    "U": "Unna", "V": "Völklingen", "W": "Wuppertal", "X": "Xanten", "Y": "Ypsilon",
    "Z": "Zwickau",
    "0": "Null", "1": "Eins", "2": "Zwo", "3": "Drei", "4": "Vier",
    "5": "Fünf", "6": "Sechs", "7": "Sieben", "8": "Acht", "9": "Neun",
}  # fmt: skip

# Every other language: the ICAO/NATO radiotelephony alphabet (ICAO Annex 10, vol. II), with
# its spellings "Alfa" and "Juliett", and its digit words. It is one international standard
# meant to be understood whatever the call's language, so it is not translated.
_ICAO = {
    "A": "Alfa", "B": "Bravo", "C": "Charlie", "D": "Delta", "E": "Echo",
    "F": "Foxtrot", "G": "Golf", "H": "Hotel", "I": "India", "J": "Juliett",
    "K": "Kilo", "L": "Lima", "M": "Mike", "N": "November", "O": "Oscar",
    "P": "Papa", "Q": "Quebec", "R": "Romeo", "S": "Sierra", "T": "Tango",
    "U": "Uniform", "V": "Victor", "W": "Whiskey", "X": "X-ray", "Y": "Yankee",
    "Z": "Zulu",
    "0": "Zero", "1": "One", "2": "Two", "3": "Three", "4": "Four",
    "5": "Five", "6": "Six", "7": "Seven", "8": "Eight", "9": "Nine",
}  # fmt: skip

_SPELLING_BY_LANGUAGE = {"de": _DIN_5009}


def spelling_alphabet(language: str | None) -> dict[str, str]:
    """DIN 5009 for German ("de", "de-AT", "de_CH" ...), ICAO for every other language."""
    base = (language or "").replace("_", "-").split("-")[0].lower()
    return _SPELLING_BY_LANGUAGE.get(base, _ICAO)


def spell(code: str, language: str | None) -> list[str]:
    """The words an agent reads aloud for the formatted code, a pause between the groups:
    `["Aachen", "Zwo", ..., "—", ..., "—", "Xanten"]`."""
    words = spelling_alphabet(language)
    return [PAUSE if symbol == "-" else words[symbol] for symbol in format_code(code)]
