"""gunicorn settings, read automatically when gunicorn starts in the project folder."""

# The access log leaves the query string out ("%(U)s" is the path alone), and every field
# of every line, access and error log alike, has full card numbers redacted (AC-4): a
# storefront that wrongly put one in a URL or header must not get it written to disk.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
logger_class = "baskets.gunicorn_logging.CardRedactingLogger"
