# A date with its time, as the pages and emails write it: "12 mars 2026 à 12h00" (Europe/Paris).
DATETIME_FORMAT = r"j F Y à H\hi"
