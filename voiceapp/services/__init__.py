"""Operations: short verbs that change models within the caller's transaction. They flush,
never commit; the request handler, job or command that calls them commits once.

A feature with three modules or more is a subpackage re-exporting its public operations
(`calls/`, `cases/`); the rest are flat modules. Imports models, domain, schemas,
telephony's adapter and each other; never web, api, webhooks, the IVR's blueprint, the
simulator, the commands or workers.
"""
