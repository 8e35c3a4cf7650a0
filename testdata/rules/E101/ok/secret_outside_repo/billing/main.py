import os

STRIPE_KEY = os.environ["STRIPE_API_KEY"]
LOG_LEVEL = os.environ["LOG_LEVEL"]
