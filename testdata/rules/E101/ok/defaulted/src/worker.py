import os

QUEUE = os.environ.get("QUEUE_NAME", "default")
TIMEOUT = int(os.getenv("TIMEOUT", "30"))
if "FEATURE_X" in os.environ:
    FEATURE = os.environ["FEATURE_X"]
