const sessionKeyFile = process.env.SESSION_KEY_FILE;
if (!sessionKeyFile) {
  throw new Error("SESSION_KEY_FILE is required");
}
module.exports = { sessionKeyFile };
