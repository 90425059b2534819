"""The call panel ("Appel en cours") and the urgent-call protocol."""
