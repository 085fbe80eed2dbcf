# How the pages and emails write dates and times in French (issue 15, item 4): one time format everywhere, the
# French "9 h 05", "12 h 00" (non-breaking spaces). Templates use |date:"DATETIME_FORMAT" and |time:"TIME_FORMAT";
# matching.formatting writes times the same way. Numbers keep Django's French grouping ("2 300", "1 500 000 €").
TIME_FORMAT = "G\u00a0\\h\u00a0i"
# A date with its time: "12 mars 2026 à 12 h 00" (Europe/Paris).
DATETIME_FORMAT = "j F Y à G\u00a0\\h\u00a0i"
SHORT_DATETIME_FORMAT = "d/m/Y G\u00a0\\h\u00a0i"
