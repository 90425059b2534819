"""Importing patients from a CSV file written by other software (a migration).

``PatientImporter.preview`` detects the encoding and delimiter and infers the column
mapping; ``dry_run`` reports per-row errors and possible duplicates without writing;
``run`` imports in one transaction, or nothing.
"""

from app.services.importing.mapping import FIELDS, REQUIRED, field_label, infer_mapping, mapping_problems
from app.services.importing.reading import (
    BrokenLines,
    CsvFormat,
    MixedEncoding,
    UnreadableFile,
    detect_format,
)
from app.services.importing.run import (
    MAX_KEPT,
    Duplicate,
    ImportRefused,
    ImportReport,
    PatientImporter,
    Preview,
    RowError,
    UnusableMapping,
    preview_file,
)

__all__ = [
    "FIELDS", "MAX_KEPT", "REQUIRED", "BrokenLines", "CsvFormat", "Duplicate", "ImportRefused",
    "ImportReport", "MixedEncoding", "PatientImporter", "Preview", "RowError", "UnreadableFile",
    "UnusableMapping",
    "detect_format", "field_label", "infer_mapping", "mapping_problems", "preview_file",
]
