"""The running seat without its window: calls, what the overlay shows, records, incident
records and alerts, the phrasebook in force and problems, behind one facade."""
