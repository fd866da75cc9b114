# Danish: day first, 01/12/2026 is 1 December; ISO (YYYY-MM-DD) too (Django adds it).
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y"]
