"""Objects Alembic must not compare against the models (created by raw SQL steps)."""

RAW_SQL_TABLES = ("patient_search", "contact_search")


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name and name.startswith(RAW_SQL_TABLES):
        return False
    return True
