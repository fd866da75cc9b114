# The dates staff type in English: month first (the admin's MM/DD/YYYY); ISO (YYYY-MM-DD)
# is accepted in every language (Django adds it).
DATE_INPUT_FORMATS = ["%m/%d/%Y"]
