"""Written requests (seeds 003 and 004): intake, the inbox and the conversation, quotes,
subscriptions and the dossier pipeline. Each module is one part; activity.py is the log
they all write to."""
