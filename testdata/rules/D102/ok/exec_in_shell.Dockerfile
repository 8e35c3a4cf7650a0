FROM ruby:3.3.1-slim
COPY . /app
CMD exec bundle exec puma -p "$PORT"
