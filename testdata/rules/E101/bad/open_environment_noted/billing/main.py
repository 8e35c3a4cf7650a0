import os

STRIPE_KEY = os.environ["STRIPE_API_KEY"]  # expect: E101
LOG_LEVEL = os.environ["LOG_LEVEL"]
