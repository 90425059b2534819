"""The agenda's settings screens: appointment types, weekly hours, absences, holidays."""
