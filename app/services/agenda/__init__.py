"""The agenda: practice time, holidays, opening hours, bookings, slots, series, waiting list."""
