"""marshmallow schemas: the one place input is validated, for the API, the panel's forms
and CSV imports alike. Imports domain, models and db only."""
