# A date with its time, as the pages and emails write it: "12 March 2026 at 12:00" (Europe/Paris).
DATETIME_FORMAT = r"j F Y \a\t H:i"
