"""Exports of patients and of the directory (CSV, vCard 4.0); see ``service``."""

from app.services.exporting.files import DestinationExists, ExportError
from app.services.exporting.service import CONTACTS, PATIENTS, ExportResult, ExportService

__all__ = ["CONTACTS", "DestinationExists", "ExportError", "ExportResult", "ExportService", "PATIENTS"]
