# How the pages and emails write dates and times in English: "12 March 2026 at 12:00" (Europe/Paris).
# Templates use |date:"DATETIME_FORMAT" and |time:"TIME_FORMAT" (issue 15, item 4: one time format per language).
TIME_FORMAT = "H:i"
DATETIME_FORMAT = r"j F Y \a\t H:i"
