"""Operations: short verbs that change models within the caller's transaction. They flush,
never commit; the request handler, job or command that calls them commits once."""
