"""The directory of professional contacts: its screen, card, item model and picker."""
