from tests.forms_support import database_url, secret  # noqa: F401  (fixtures)
