"""What the IVR says, per language. Twilio's <Say> takes a language tag per sentence."""

from __future__ import annotations

SAY_LANGUAGE = {"de": "de-DE", "en": "en-US", "es": "es-ES", "fr": "fr-FR", "it": "it-IT"}

# Each language's menu line is spoken in that language ("For English press 2").
LANGUAGE_OPTION = {
    "de": "Für Deutsch drücken Sie die {n}.",
    "en": "For English, press {n}.",
    "es": "Para español, pulse {n}.",
    "fr": "Pour le français, tapez {n}.",
    "it": "Per l'italiano, premere {n}.",
}

TEXTS = {
    "en": {
        "greeting": "Welcome. Thank you for calling.",
        "retry": "Sorry, I did not get that.",
        "reason_intro": "Please tell us why you are calling.",
        "reason_option": "For {label}, press {n}.",
        "connecting": "Please hold, we are connecting you.",
        "closed": "We are closed at the moment. Please leave a message after the tone.",
        "no_agent": "All our agents are busy. Please leave a message after the tone.",
        "no_answer": "Nobody could take your call. Please leave a message after the tone.",
        "thanks": "Thank you for your message. We will call you back. Goodbye.",
        "error": "We are sorry, a technical problem occurred. Please leave a message "
        "after the tone and we will call you back.",
    },
    "de": {
        "greeting": "Willkommen. Vielen Dank für Ihren Anruf.",
        "retry": "Entschuldigung, das habe ich nicht verstanden.",
        "reason_intro": "Bitte sagen Sie uns, worum es geht.",
        "reason_option": "Für {label} drücken Sie die {n}.",
        "connecting": "Bitte bleiben Sie dran, wir verbinden Sie.",
        "closed": "Wir sind im Moment nicht erreichbar. Bitte hinterlassen Sie eine "
        "Nachricht nach dem Signalton.",
        "no_agent": "Alle Mitarbeiter sind im Gespräch. Bitte hinterlassen Sie eine Nachricht "
        "nach dem Signalton.",
        "no_answer": "Leider konnte niemand Ihren Anruf annehmen. Bitte hinterlassen Sie eine "
        "Nachricht nach dem Signalton.",
        "thanks": "Vielen Dank für Ihre Nachricht. Wir rufen Sie zurück. Auf Wiederhören.",
        "error": "Entschuldigung, es gibt ein technisches Problem. Bitte hinterlassen Sie eine "
        "Nachricht nach dem Signalton, wir rufen Sie zurück.",
    },
    "es": {
        "greeting": "Bienvenido. Gracias por su llamada.",
        "retry": "Perdone, no le he entendido.",
        "reason_intro": "Díganos el motivo de su llamada.",
        "reason_option": "Para {label}, pulse {n}.",
        "connecting": "Espere, por favor, le pasamos con un agente.",
        "closed": "En este momento estamos cerrados. Deje su mensaje después de la señal.",
        "no_agent": "Todos nuestros agentes están ocupados. Deje su mensaje después de la señal.",
        "no_answer": "Nadie ha podido atender su llamada. Deje su mensaje después de la señal.",
        "thanks": "Gracias por su mensaje. Le devolveremos la llamada. Adiós.",
        "error": "Lo sentimos, hay un problema técnico. Deje su mensaje después de la señal y "
        "le llamaremos.",
    },
    "fr": {
        "greeting": "Bienvenue. Merci de votre appel.",
        "retry": "Désolé, je n'ai pas compris.",
        "reason_intro": "Indiquez-nous le motif de votre appel.",
        "reason_option": "Pour {label}, tapez {n}.",
        "connecting": "Veuillez patienter, nous vous mettons en relation.",
        "closed": "Nous sommes fermés pour le moment. Laissez un message après le bip.",
        "no_agent": "Tous nos conseillers sont occupés. Laissez un message après le bip.",
        "no_answer": "Personne n'a pu prendre votre appel. Laissez un message après le bip.",
        "thanks": "Merci pour votre message. Nous vous rappellerons. Au revoir.",
        "error": "Désolé, un problème technique est survenu. Laissez un message après le bip, "
        "nous vous rappellerons.",
    },
}

CASE_TYPE_LABELS = {
    "en": {
        "new_order": "a new order",
        "payment_reminder": "a payment",
        "cancellation": "a cancellation",
        "debt_collection": "an open debt",
        "callback_request": "anything else",
    },
    "de": {
        "new_order": "eine neue Bestellung",
        "payment_reminder": "eine Zahlung",
        "cancellation": "eine Kündigung",
        "debt_collection": "eine offene Forderung",
        "callback_request": "alles andere",
    },
    "es": {
        "new_order": "un pedido nuevo",
        "payment_reminder": "un pago",
        "cancellation": "una cancelación",
        "debt_collection": "una deuda pendiente",
        "callback_request": "cualquier otra cosa",
    },
    "fr": {
        "new_order": "une nouvelle commande",
        "payment_reminder": "un paiement",
        "cancellation": "une résiliation",
        "debt_collection": "une dette",
        "callback_request": "autre chose",
    },
}


def text(language: str, key: str) -> str:
    return TEXTS.get(language, TEXTS["en"])[key]


def say_language(language: str) -> str:
    return SAY_LANGUAGE.get(language, "en-US")


def case_type_label(language: str, case_type: str, fallback: str | None = None) -> str:
    return CASE_TYPE_LABELS.get(language, CASE_TYPE_LABELS["en"]).get(
        case_type, fallback or case_type.replace("_", " ")
    )
