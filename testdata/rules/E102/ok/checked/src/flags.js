// Presence tests, defaults and optional chaining: absence is handled.
const verbose = process.env.VERBOSE ? true : false;
if (process.env.ENABLE_BETA) {
  enableBeta();
}
const region = process.env.REGION || "eu-west-1";
const origins = process.env.CORS_ORIGINS?.split(",") ?? [];
const { PORT } = process.env;
const { CACHE_TTL = "60" } = process.env;
module.exports = { verbose, region, origins, PORT, CACHE_TTL };
