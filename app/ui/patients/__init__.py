"""The Patients screen: result list, card and form."""
