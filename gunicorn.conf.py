"""gunicorn settings, read automatically when gunicorn starts in the project folder."""

# The access log leaves the query string out: a storefront that wrongly put a card number
# in a URL must not get it written to disk ("%(U)s" is the path alone).
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
