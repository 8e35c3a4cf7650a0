import os

QUEUE_URL = os.environ["QUEUE_URL"]
SMTP_HOST = os.environ["SMTP_HOST"]
SMTP_PORT = int(os.environ["SMTP_PORT"])  # expect: E101
LOG_LEVEL = os.getenv("LOG_LEVEL", "info")
